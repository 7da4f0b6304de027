// The Bedrock model catalog: every fact Tollgate relies on about a model, in one typed place,
// each with the AWS page it was read from and the day it was checked. Config, IAM, the local
// Bedrock's control plane, the doctor and the bench read from here; later work (streaming,
// conversations) takes its per-model output cap and context budget from the same entries.
//
// Bedrock changes under us: models are retired on published dates and many current ones answer
// only through inference profiles. Re-check an entry against its page before relying on it, and
// add a model here (with its page) before an operator can configure it.

/** How a configured ID reaches a model (DESIGN.md, Configuration). */
export type ModelKind = 'foundation-model' | 'system-inference-profile' | 'application-inference-profile';

/** Bedrock's own lifecycle states (GetFoundationModel's modelLifecycle.status), plus EOL. */
export type Lifecycle = 'ACTIVE' | 'LEGACY' | 'EOL';

/** Geographic cross-Region inference profiles: the ID prefix and the Regions of that geography. */
export type Geography = 'us' | 'eu';

export interface Source {
  url: string;
  checked: string;
  /** When the fact was read through a copy or a translation of the page, say which. */
  note?: string;
}

export interface CatalogModel {
  /** The foundation model ID, e.g. amazon.nova-2-lite-v1:0 */
  modelId: string;
  name: string;
  provider: 'Amazon' | 'Anthropic' | 'Cohere';
  lifecycle: Lifecycle;
  /** For LEGACY and EOL models: the date Bedrock stops (or stopped) serving them. */
  eolDate?: string;
  /** The catalog model to move to, for LEGACY and EOL models. */
  replacement?: string;
  maxOutputTokens: number;
  contextWindowTokens: number;
  /**
   * What a prompt into a conversation may send at most (system prompt, earlier turns and the
   * prompt, bounded by their UTF-8 bytes as the quota bounds them): a cost choice well below the
   * context window, since every turn resends it. TOLLGATE_CONTEXT_BUDGET_TOKENS caps it per stage.
   */
  contextBudgetTokens?: number;
  /** Whether the bare model ID answers on demand in-Region (the card lists an In-Region endpoint). */
  inRegion: boolean;
  /** The geographic profiles the card lists (us.<modelId>, eu.<modelId>). */
  geographies: Geography[];
  /** Whether the card lists a global.<modelId> profile. */
  global: boolean;
  /** Anthropic models need a one-time use-case form in the Bedrock console before first use. */
  needsUseCaseForm?: boolean;
  /** On-demand prices in USD per million tokens, for the cost table. */
  prices?: { inputPerMillion: number; outputPerMillion: number; source: Source };
  source: Source;
}

const CHECKED = '2026-11-30';
const card = (slug: string, note?: string): Source => ({ url: `https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-${slug}.html`, checked: CHECKED, ...(note ? { note } : {}) });

/**
 * The Regions of each geography. A geographic profile routes only within its geography
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html,
 * checked 2026-11-30); which of these a given profile uses is on the model's card and is returned
 * by GetInferenceProfile, which `npm run doctor` compares with this list. IAM grants the
 * foundation model in every Region of the geography, usable only through our profile (a condition
 * on bedrock:InferenceProfileArn), so a Region AWS adds to a profile cannot turn into AccessDenied.
 */
export const GEOGRAPHY_REGIONS: Record<Geography, readonly string[]> = {
  us: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  eu: ['eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
};

export const CATALOG: readonly CatalogModel[] = [
  {
    modelId: 'amazon.nova-2-lite-v1:0',
    name: 'Amazon Nova 2 Lite',
    provider: 'Amazon',
    lifecycle: 'ACTIVE',
    // Cross-Region only: the card lists no In-Region ID, and the Nova 2 user guide gives only the
    // global. and us. IDs (https://docs.aws.amazon.com/nova/latest/nova2-userguide/core-inference.html);
    // eu. as used in AWS's own GenAI IDP accelerator's EU model map.
    maxOutputTokens: 64_000,
    contextWindowTokens: 1_000_000,
    contextBudgetTokens: 32_000,
    inRegion: false,
    geographies: ['us', 'eu'],
    global: true,
    prices: {
      inputPerMillion: 0.3,
      outputPerMillion: 2.5,
      source: {
        url: 'https://aws.amazon.com/bedrock/pricing/',
        checked: CHECKED,
        note: 'the stored copy of AWS’s page omits the Nova table; figures as listed for the Amazon Bedrock provider by https://vercel.com/ai-gateway/models/nova-micro (Nova 2 Lite row); confirm on AWS',
      },
    },
    source: card('amazon-nova-2-lite', 'card text read through https://github.com/quattro004/Agent004/wiki/Source-Amazon-Nova-Lite (launch 2025-12-02, Active, 1M context, 64K output)'),
  },
  {
    modelId: 'amazon.nova-lite-v1:0',
    name: 'Amazon Nova Lite',
    provider: 'Amazon',
    lifecycle: 'ACTIVE',
    maxOutputTokens: 5_000,
    contextWindowTokens: 300_000,
    contextBudgetTokens: 32_000,
    inRegion: true,
    geographies: ['us', 'eu'],
    global: false,
    source: card('amazon-nova-lite', 'read on the AWS European Sovereign Cloud copy https://docs.aws.eu/bedrock/latest/userguide/model-card-amazon-nova-lite.html'),
  },
  {
    modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    name: 'Anthropic Claude Haiku 4.5',
    provider: 'Anthropic',
    lifecycle: 'ACTIVE',
    maxOutputTokens: 64_000,
    contextWindowTokens: 200_000,
    contextBudgetTokens: 32_000,
    inRegion: true,
    geographies: ['us', 'eu'],
    global: true,
    needsUseCaseForm: true,
    source: card('anthropic-claude-haiku-4-5', 'read on the Japanese translation (docs.aws.amazon.com/ja_jp/…); Anthropic’s own page calls it legacy since Claude Haiku 5.5, whose Bedrock IDs are not yet checked here'),
  },
  // Retired: kept so that synth names the replacement instead of deploying a dead model. Their
  // routing fields are left empty: nothing resolves an EOL model far enough to use them.
  {
    modelId: 'cohere.command-r-v1:0',
    name: 'Cohere Command R',
    provider: 'Cohere',
    lifecycle: 'EOL',
    eolDate: '2026-08-19',
    replacement: 'amazon.nova-2-lite-v1:0',
    maxOutputTokens: 4_000,
    contextWindowTokens: 128_000,
    inRegion: true,
    geographies: [],
    global: false,
    source: card('cohere-command-r'),
  },
  {
    modelId: 'cohere.command-r-plus-v1:0',
    name: 'Cohere Command R+',
    provider: 'Cohere',
    lifecycle: 'EOL',
    eolDate: '2026-08-19',
    replacement: 'amazon.nova-2-lite-v1:0',
    maxOutputTokens: 4_000,
    contextWindowTokens: 128_000,
    inRegion: true,
    geographies: [],
    global: false,
    source: card('cohere-command-r-plus'),
  },
  {
    modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    name: 'Anthropic Claude 3.5 Haiku',
    provider: 'Anthropic',
    lifecycle: 'EOL',
    eolDate: '2026-06-19',
    replacement: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    maxOutputTokens: 8_000,
    contextWindowTokens: 200_000,
    inRegion: true,
    geographies: [],
    global: false,
    needsUseCaseForm: true,
    source: card('anthropic-claude-3-5-haiku', 'read on the Spanish translation'),
  },
  {
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    name: 'Anthropic Claude 3 Haiku',
    provider: 'Anthropic',
    lifecycle: 'EOL',
    eolDate: '2026-09-10',
    replacement: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    maxOutputTokens: 4_000,
    contextWindowTokens: 200_000,
    inRegion: true,
    geographies: [],
    global: false,
    needsUseCaseForm: true,
    source: card('anthropic-claude-3-haiku', 'read on the Japanese translation (Legacy in some Regions, EOL 2026-09-10)'),
  },
];

/** The model a fresh deploy answers with. */
export const DEFAULT_MODEL_ID = 'amazon.nova-2-lite-v1:0';

const BY_ID = new Map(CATALOG.map((m) => [m.modelId, m]));

export function catalogModel(modelId: string): CatalogModel | undefined {
  return BY_ID.get(modelId);
}

/** The geography a Region belongs to, if Bedrock has geographic profiles for it here. */
export function geographyOf(region: string): Geography | undefined {
  return (Object.keys(GEOGRAPHY_REGIONS) as Geography[]).find((g) => GEOGRAPHY_REGIONS[g].includes(region));
}

export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';
}

/** A model's context budget when its entry names none. */
export const DEFAULT_CONTEXT_BUDGET_TOKENS = 16_000;

/**
 * The context budget a stage gives a model: the catalog's, capped by the stage's setting (0: no
 * cap) and by what the context window leaves beside the largest answer.
 */
export function contextBudget(model: CatalogModel, stageCap: number, maxOutputTokens: number): number {
  const own = model.contextBudgetTokens ?? DEFAULT_CONTEXT_BUDGET_TOKENS;
  return Math.max(0, Math.min(own, stageCap > 0 ? stageCap : own, model.contextWindowTokens - maxOutputTokens));
}

/** A configured model, resolved against the catalog for one Bedrock (source) Region. */
export interface ResolvedModel {
  /** What Converse is called with and what clients name in options.model. */
  id: string;
  name: string;
  kind: ModelKind;
  model: CatalogModel;
  /** For profiles: 'global' or the geography. */
  scope?: Geography | 'global';
  /** For application inference profiles: the profile or model ID it wraps. */
  wraps?: string;
}

const PROFILE_ID = /^(us|eu|apac|jp|au|ca|global)\.(.+)$/;
const APPLICATION_PROFILE_ARN = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+):(\d{12}):application-inference-profile\/([a-z0-9]+)$/;

function retiredMessage(m: CatalogModel, what: string): string {
  const next = m.replacement ? catalogModel(m.replacement) : undefined;
  return `${what} is ${m.name}, which reached end of life on Bedrock on ${m.eolDate} (requests fail with ResourceNotFoundException)` +
    (next ? `. Use ${next.name} (${next.modelId}) instead; see ${m.source.url}` : '');
}

function known(modelId: string, what: string): CatalogModel {
  const m = catalogModel(modelId);
  if (!m) {
    throw new ModelConfigError(
      `${what} names ${JSON.stringify(modelId)}, which is not in the model catalog (infra/models.ts). Known: ${CATALOG.filter((c) => c.lifecycle !== 'EOL')
        .map((c) => c.modelId)
        .join(', ')}. Add a model there, with its AWS model card, before configuring it.`,
    );
  }
  if (m.lifecycle === 'EOL') throw new ModelConfigError(retiredMessage(m, what));
  return m;
}

/** A system profile ID (us./eu./global.<model>) checked against the catalog and the source Region. */
function systemProfile(id: string, region: string, what: string): { model: CatalogModel; scope: Geography | 'global' } {
  const [, prefix, modelId] = PROFILE_ID.exec(id)!;
  const model = known(modelId!, what);
  if (prefix === 'global') {
    if (!model.global) throw new ModelConfigError(`${what}: ${model.name} has no global inference profile (${model.source.url}).`);
    return { model, scope: 'global' };
  }
  const geography = prefix as Geography;
  if (!(geography in GEOGRAPHY_REGIONS) || !model.geographies.includes(geography)) {
    throw new ModelConfigError(`${what}: ${model.name} has no ${prefix}. inference profile in the catalog (${model.source.url}).`);
  }
  if (geographyOf(region) !== geography) {
    throw new ModelConfigError(`${what}: a ${prefix}. profile can only be called from a Region in that geography, and this stack’s Bedrock Region is ${region}.`);
  }
  return { model, scope: geography };
}

/**
 * Resolves one configured ID — a foundation model ID, a system inference profile ID
 * (us./eu./global.) or an application inference profile ARN with the ID it wraps after "@" — for
 * the Bedrock Region the stack calls. Throws a ModelConfigError that says what to use instead.
 */
export function resolveModel(raw: string, region: string, displayName?: string): ResolvedModel {
  const what = `TOLLGATE_MODELS entry ${JSON.stringify(raw)}`;
  const at = raw.indexOf('@');
  const id = at === -1 ? raw : raw.slice(0, at);
  const app = APPLICATION_PROFILE_ARN.exec(id);
  if (app) {
    if (at === -1) {
      throw new ModelConfigError(`${what}: an application inference profile ARN does not say which model it wraps; write it as <arn>@<model or profile ID>, e.g. ${id}@us.${DEFAULT_MODEL_ID}`);
    }
    if (app[1] !== region) throw new ModelConfigError(`${what}: the profile is in ${app[1]}, and this stack’s Bedrock Region is ${region}.`);
    const wraps = raw.slice(at + 1);
    const inner = PROFILE_ID.test(wraps) ? systemProfile(wraps, region, what) : { model: known(wraps, what), scope: undefined };
    return { id, name: displayName ?? inner.model.name, kind: 'application-inference-profile', model: inner.model, wraps, ...(inner.scope ? { scope: inner.scope } : {}) };
  }
  if (at !== -1) throw new ModelConfigError(`${what}: only an application inference profile ARN takes "@<wrapped ID>".`);
  if (PROFILE_ID.test(id)) {
    const { model, scope } = systemProfile(id, region, what);
    return { id, name: displayName ?? model.name, kind: 'system-inference-profile', model, scope };
  }
  const model = known(id, what);
  if (!model.inRegion) {
    const geography = geographyOf(region);
    const options = [geography && model.geographies.includes(geography) ? `${geography}.${model.modelId}` : undefined, model.global ? `global.${model.modelId}` : undefined].filter(Boolean);
    throw new ModelConfigError(
      `${what}: ${model.name} does not answer on-demand requests by its model ID ("on-demand throughput isn’t supported"); use an inference profile: ${options.join(' or ') || 'none is available from ' + region}.`,
    );
  }
  return { id, name: displayName ?? model.name, kind: 'foundation-model', model };
}

/**
 * The default model for a Region: Nova 2 Lite through the geography's profile, or the global
 * profile when the operator opts in (or the Region has no geographic profile).
 */
export function defaultModelId(region: string, preferGlobal: boolean): string {
  const model = catalogModel(DEFAULT_MODEL_ID)!;
  const geography = geographyOf(region);
  if (!preferGlobal && geography && model.geographies.includes(geography)) return `${geography}.${model.modelId}`;
  if (preferGlobal || model.global) {
    if (!preferGlobal) {
      throw new ModelConfigError(
        `${model.name} has no geographic inference profile for ${region}. Opt in to global cross-Region inference (TOLLGATE_GLOBAL_INFERENCE=true), which may process prompts in any commercial Region, or set TOLLGATE_MODELS.`,
      );
    }
    return `global.${model.modelId}`;
  }
  throw new ModelConfigError(`${model.name} is not available from ${region}; set TOLLGATE_MODELS.`);
}
