// What IAM checks for one Bedrock Runtime call, by the kind of model ID it names
// (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html, checked
// 2026-11-30; what infra/model-access.ts grants):
// - a foundation model ID: bedrock:InvokeModel on its ARN in the source Region;
// - a system inference profile (us./eu./global.…, or its ARN): the profile's ARN, then the
//   foundation model in the destination Region, with bedrock:InferenceProfileArn naming the
//   profile in the request context. AWS picks the destination; the emulator checks every one the
//   profile can route to (IAM_CHOICES.profileDestinations), since a grant that misses one fails
//   on AWS only when that Region is picked. For global. the destinations are authorized as the
//   source Region's and the Region-less foundation-model ARN
//   (https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html);
// - an application inference profile: its ARN, then what it wraps as above, with the application
//   profile's ARN as bedrock:InferenceProfileArn.
// Converse is authorized as bedrock:InvokeModel and ConverseStream as
// bedrock:InvokeModelWithResponseStream; a guardrail in the request also needs
// bedrock:ApplyGuardrail on the guardrail
// (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions.html, checked 2026-11-30).
import { GEOGRAPHY_REGIONS, type Geography } from '../../infra/models.ts';
import { IAM_CHOICES } from './choices.ts';
import type { Need } from './index.ts';

export interface BedrockCaller {
  /** The Region the call was signed for (the endpoint it went to). */
  region: string;
  account: string;
  /** Application inference profile ARN → the model or system profile ID it wraps. */
  applicationProfiles: ReadonlyMap<string, string>;
}

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;
const APPLY_GUARDRAIL = /^\/guardrail\/([^/]+)\/version\/[^/]+\/apply$/;
const PROFILE_ID = /^(us|eu|apac|jp|au|ca|global)\.(.+)$/;
const PROFILE_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{12}:inference-profile\/(.+)$/;
const APPLICATION_PROFILE_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{12}:application-inference-profile\/.+$/;
const FOUNDATION_MODEL_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*::foundation-model\/.+$/;

const foundationModel = (region: string, modelId: string) => `arn:aws:bedrock:${region}::foundation-model/${modelId}`;

/** The destinations a system profile routes to, as foundation-model ARNs. */
function routedModels(caller: BedrockCaller, profileId: string): string[] {
  const [, prefix, modelId] = PROFILE_ID.exec(profileId)!;
  if (prefix === 'global') return [foundationModel(caller.region, modelId!), `arn:aws:bedrock:::foundation-model/${modelId}`];
  const regions = IAM_CHOICES.profileDestinations === 'geography' && prefix! in GEOGRAPHY_REGIONS ? GEOGRAPHY_REGIONS[prefix as Geography] : [caller.region];
  return regions.map((r) => foundationModel(r, modelId!));
}

/** The checks for calling `modelId` with `action`; `through` is the profile the call came in by. */
function modelNeeds(caller: BedrockCaller, action: string, modelId: string, through?: string): Need[] {
  const context = through ? { context: { 'bedrock:inferenceprofilearn': through } } : {};
  const profileId = PROFILE_ARN.exec(modelId)?.[1] ?? (PROFILE_ID.test(modelId) ? modelId : undefined);
  if (profileId && PROFILE_ID.test(profileId)) {
    const profileArn = PROFILE_ARN.test(modelId) ? modelId : `arn:aws:bedrock:${caller.region}:${caller.account}:inference-profile/${profileId}`;
    const via = through ?? profileArn;
    return [{ action, resource: profileArn, ...context }, ...routedModels(caller, profileId).map((resource) => ({ action, resource, context: { 'bedrock:inferenceprofilearn': via } }))];
  }
  if (APPLICATION_PROFILE_ARN.test(modelId)) {
    const wraps = caller.applicationProfiles.get(modelId);
    // A profile the configuration never declared: only its own ARN can be judged here.
    return [{ action, resource: modelId, ...context }, ...(wraps ? modelNeeds(caller, action, wraps, modelId) : [])];
  }
  return [{ action, resource: FOUNDATION_MODEL_ARN.test(modelId) ? modelId : foundationModel(caller.region, modelId), ...context }];
}

const guardrailArn = (caller: BedrockCaller, id: string) => (id.startsWith('arn:') ? id : `arn:aws:bedrock:${caller.region}:${caller.account}:guardrail/${id}`);

const decoded = (raw: string): string | null => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
};

/**
 * Every check one Bedrock Runtime request needs, in the order AWS meets them; [] for a path that
 * is no Bedrock Runtime operation (the local Bedrock answers it UnknownOperationException).
 */
export function bedrockNeeds(caller: BedrockCaller, path: string, body: unknown): Need[] {
  const apply = APPLY_GUARDRAIL.exec(path);
  const applied = apply ? decoded(apply[1]!) : null;
  if (applied) return [{ action: 'bedrock:ApplyGuardrail', resource: guardrailArn(caller, applied) }];
  const route = ROUTE.exec(path);
  if (!route) return [];
  const modelId = decoded(route[1]!);
  if (modelId === null) return [];
  const streaming = route[2]!.endsWith('stream');
  const needs = modelNeeds(caller, streaming ? 'bedrock:InvokeModelWithResponseStream' : 'bedrock:InvokeModel', modelId);
  const guardrail = (body as { guardrailConfig?: { guardrailIdentifier?: unknown } } | null)?.guardrailConfig?.guardrailIdentifier;
  if (typeof guardrail === 'string' && guardrail !== '') {
    needs.push({ action: 'bedrock:ApplyGuardrail', resource: guardrailArn(caller, guardrail) });
  }
  return needs;
}
