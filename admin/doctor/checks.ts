// The doctor's checks: each reads one thing from AWS (or the emulator's stand-in) and says ✓, ⚠
// or ✗ with the fix. They take SDK clients, so tests give them the local endpoints or recorded
// responses (aws-sdk-client-mock).
import { BedrockClient, GetFoundationModelAvailabilityCommand, GetFoundationModelCommand, GetInferenceProfileCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { AppSyncClient, ListApiKeysCommand } from '@aws-sdk/client-appsync';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetWebACLForResourceCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { classifyBedrockError } from '../../functions/model/errors.ts';
import { catalogModel, GEOGRAPHY_REGIONS, type Geography } from '../../infra/models.ts';

export type Status = 'ok' | 'warn' | 'fail' | 'na';

export interface Row {
  check: string;
  status: Status;
  detail: string;
  fix?: string;
}

const DAY_MS = 86_400_000;
/** AWS keeps this much account concurrency unreserved (Lambda, "Configuring reserved concurrency",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html, checked 2026-11-30). */
export const UNRESERVED_MINIMUM = 100;

const PROFILE = /^(us|eu|apac|jp|au|ca|global)\.(.+)$/;
const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** The foundation model a model ID names, for catalog look-ups (profiles carry a prefix). */
const foundationModelId = (id: string) => PROFILE.exec(id)?.[2] ?? id;

function lifecycleRow(check: string, modelId: string, lifecycle: { status?: string; endOfLifeTime?: Date } | undefined): Row {
  const known = catalogModel(modelId);
  const next = known?.replacement ? catalogModel(known.replacement) : undefined;
  const status = lifecycle?.status;
  const eol = lifecycle?.endOfLifeTime?.toISOString().slice(0, 10) ?? known?.eolDate;
  if (status === 'ACTIVE') return { check, status: 'ok', detail: `${modelId} is Active` };
  if (status === 'LEGACY') {
    return {
      check,
      status: 'warn',
      detail: `${modelId} is Legacy${eol ? `: Bedrock ends it on ${eol}` : ''}`,
      fix: `Move TOLLGATE_MODELS to ${next ? `${next.name} (${next.modelId})` : 'a current model'} and redeploy before then.`,
    };
  }
  return { check, status: 'fail', detail: `${modelId}: lifecycle ${status ?? 'unknown'}`, fix: 'Check the model card and move to a current model.' };
}

/** Lifecycle, on-demand support and account access of one foundation model in this Region. */
async function foundationModelRows(bedrock: BedrockClient, label: string, modelId: string, viaProfile: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  try {
    const out = await bedrock.send(new GetFoundationModelCommand({ modelIdentifier: modelId }));
    rows.push(lifecycleRow(`${label}: lifecycle`, modelId, out.modelDetails?.modelLifecycle));
    const types = out.modelDetails?.inferenceTypesSupported ?? [];
    if (!viaProfile && !types.includes('ON_DEMAND')) {
      rows.push({
        check: `${label}: on demand`,
        status: 'fail',
        detail: `${modelId} does not answer on demand by its ID (supports ${types.join(', ') || 'nothing listed'})`,
        fix: `Use its inference profile (us./eu./global.${modelId}) in TOLLGATE_MODELS and redeploy.`,
      });
    }
  } catch (error) {
    const known = catalogModel(modelId);
    const next = known?.replacement ? catalogModel(known.replacement) : undefined;
    const eol = known?.lifecycle === 'EOL' || /end of (its )?life/i.test(errorText(error));
    rows.push({
      check: `${label}: lifecycle`,
      status: 'fail',
      detail: eol ? `${modelId} reached end of life${known?.eolDate ? ` on ${known.eolDate}` : ''}` : `${modelId}: ${errorText(error)}`,
      fix: next ? `Replace it with ${next.name} (${next.modelId}) in TOLLGATE_MODELS and redeploy.` : 'Choose a current model (infra/models.ts) and redeploy.',
    });
    return rows;
  }
  try {
    const access = await bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId }));
    const granted = access.authorizationStatus === 'AUTHORIZED' && access.entitlementAvailability === 'AVAILABLE' && access.regionAvailability === 'AVAILABLE';
    const anthropic = modelId.startsWith('anthropic.');
    rows.push(
      granted
        ? { check: `${label}: access`, status: 'ok', detail: `granted to this account` }
        : {
            check: `${label}: access`,
            status: 'fail',
            detail: `authorization ${access.authorizationStatus}, entitlement ${access.entitlementAvailability}, Region ${access.regionAvailability}`,
            fix: anthropic
              ? 'Bedrock console → Model catalog → this model → submit the Anthropic use case form (first use only), then open it once with a role allowed aws-marketplace:Subscribe.'
              : 'Bedrock console → Model access: enable this model in this Region.',
          },
    );
  } catch (error) {
    rows.push({ check: `${label}: access`, status: 'warn', detail: `could not read access: ${errorText(error)}`, fix: 'Allow bedrock:GetFoundationModelAvailability to the credentials running the doctor.' });
  }
  return rows;
}

/**
 * One configured model: its profile (if any) with the Regions it routes to compared with the
 * Regions the stack's IAM grants, the foundation model's lifecycle and access, and with probe a
 * one-token Converse call.
 */
export async function modelRows(clients: { bedrock: BedrockClient; runtime?: BedrockRuntimeClient }, id: string): Promise<Row[]> {
  const label = id.length > 60 ? `${id.slice(0, 28)}…${id.slice(-28)}` : id;
  const rows: Row[] = [];
  let modelId = id;
  const isProfile = PROFILE.test(id) || id.includes(':application-inference-profile/');
  if (isProfile) {
    try {
      const profile = await clients.bedrock.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: id }));
      const arns = (profile.models ?? []).map((m) => m.modelArn ?? '');
      modelId = /foundation-model\/(.+)$/.exec(arns[0] ?? '')?.[1] ?? foundationModelId(id);
      const routed = [...new Set(arns.map((a) => a.split(':')[3]).filter((r): r is string => r !== undefined && r !== ''))];
      const prefix = PROFILE.exec(id)?.[1];
      const granted = prefix && prefix in GEOGRAPHY_REGIONS ? GEOGRAPHY_REGIONS[prefix as Geography] : undefined;
      const outside = granted ? routed.filter((r) => !granted.includes(r)) : [];
      rows.push(
        profile.status !== 'ACTIVE'
          ? { check: `${label}: profile`, status: 'fail', detail: `status ${profile.status}` }
          : outside.length > 0
            ? {
                check: `${label}: profile`,
                status: 'fail',
                detail: `routes to ${outside.join(', ')}, which the stack’s IAM grant does not cover`,
                fix: 'Add the Region to GEOGRAPHY_REGIONS in infra/models.ts and redeploy.',
              }
            : { check: `${label}: profile`, status: 'ok', detail: `${profile.type === 'APPLICATION' ? 'application' : 'system'} profile, routes to ${routed.join(', ') || 'no Region listed'}` },
      );
    } catch (error) {
      rows.push({ check: `${label}: profile`, status: 'fail', detail: errorText(error), fix: 'Check the profile ID for this Region (infra/models.ts) and redeploy.' });
      return rows;
    }
  }
  rows.push(...(await foundationModelRows(clients.bedrock, label, modelId, isProfile)));
  // A probe of a model already known to fail would only repeat it.
  if (clients.runtime && !rows.some((r) => r.status === 'fail')) {
    try {
      const out = await clients.runtime.send(new ConverseCommand({ modelId: id, messages: [{ role: 'user', content: [{ text: 'Say OK.' }] }], inferenceConfig: { maxTokens: 1 } }));
      rows.push({ check: `${label}: probe`, status: 'ok', detail: `answered (${out.usage?.inputTokens ?? 0} in, ${out.usage?.outputTokens ?? 0} out tokens, ${out.metrics?.latencyMs ?? '?'} ms)` });
    } catch (error) {
      const failure = classifyBedrockError(error, id);
      rows.push({ check: `${label}: probe`, status: failure.retryable ? 'warn' : 'fail', detail: errorText(error), fix: failure.message.replace(' Your quota was not charged.', '') });
    }
  }
  return rows;
}

export async function apiKeyRow(appsync: AppSyncClient, apiId: string, now = Date.now()): Promise<Row> {
  const keys = (await appsync.send(new ListApiKeysCommand({ apiId }))).apiKeys ?? [];
  const fix = 'npm run admin -- renew-api-key --stage <stage> (or redeploy, which sets it 364 days ahead)';
  if (keys.length === 0) return { check: 'API key', status: 'fail', detail: 'the API has no API key: register and login cannot be called', fix };
  const latest = Math.max(...keys.map((k) => (k.expires ?? 0) * 1000));
  const days = Math.floor((latest - now) / DAY_MS);
  const date = new Date(latest).toISOString().slice(0, 10);
  if (days < 0) return { check: 'API key', status: 'fail', detail: `expired on ${date}`, fix };
  if (days < 30) return { check: 'API key', status: 'warn', detail: `expires on ${date} (${days} days)`, fix };
  return { check: 'API key', status: 'ok', detail: `expires on ${date} (${days} days)` };
}

export async function secretRow(secrets: SecretsManagerClient, secretArn: string): Promise<Row> {
  try {
    const out = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    const stages = out.VersionIdsToStages ?? {};
    const current = Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'));
    const previous = Object.values(stages).some((s) => s.includes('AWSPREVIOUS'));
    if (!current) return { check: 'signing secret', status: 'fail', detail: 'no AWSCURRENT version: no token can be issued or verified', fix: 'aws secretsmanager put-secret-value with a new 64-character value.' };
    return { check: 'signing secret', status: 'ok', detail: `AWSCURRENT version ${current[0].slice(0, 8)}…${previous ? ', AWSPREVIOUS kept for tokens signed before the last rotation' : ''}` };
  } catch (error) {
    return { check: 'signing secret', status: 'fail', detail: errorText(error) };
  }
}

export async function alarmTopicRow(sns: SNSClient, topicArn: string): Promise<Row> {
  const subs = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
  const confirmed = subs.filter((s) => s.SubscriptionArn && s.SubscriptionArn !== 'PendingConfirmation');
  const fix = `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint you@example.com (then confirm the email)`;
  if (confirmed.length > 0) return { check: 'alarm topic', status: 'ok', detail: `${confirmed.length} confirmed subscriber(s): ${[...new Set(confirmed.map((s) => s.Protocol))].join(', ')}` };
  if (subs.length > 0) return { check: 'alarm topic', status: 'warn', detail: `${subs.length} subscription(s) waiting for confirmation`, fix: 'Confirm the subscription (the link in the email).' };
  return { check: 'alarm topic', status: 'warn', detail: 'no subscriber: alarms go nowhere', fix };
}

export async function wafRow(waf: WAFV2Client, apiArn: string): Promise<Row> {
  const out = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: apiArn }));
  if (out.WebACL) return { check: 'WAF', status: 'ok', detail: `web ACL ${out.WebACL.Name} (${out.WebACL.Rules?.length ?? 0} rules) guards the API` };
  return { check: 'WAF', status: 'fail', detail: 'no web ACL is associated with the API', fix: 'Redeploy the stack: it creates the association (WebAclAssociation).' };
}

/**
 * Reserved concurrency for the model function: what it has, and what the account's quota allows.
 * A recommendation leaves AWS's 100 unreserved and half of the rest to everything else, so a
 * flood of prompts cannot starve the authorizer and auth functions.
 */
export async function concurrencyRow(lambda: LambdaClient, modelFunctionName: string): Promise<Row> {
  const account = await lambda.send(new GetAccountSettingsCommand({}));
  const limit = account.AccountLimit?.ConcurrentExecutions ?? 0;
  const unreserved = account.AccountLimit?.UnreservedConcurrentExecutions ?? 0;
  const reserved = (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: modelFunctionName }))).ReservedConcurrentExecutions;
  const recommended = Math.floor((limit - UNRESERVED_MINIMUM) / 2);
  if (recommended < 1) {
    return {
      check: 'model concurrency',
      status: 'warn',
      detail: `account quota ${limit}: nothing can be reserved (AWS keeps ${UNRESERVED_MINIMUM} unreserved), so prompts share it with sign-ins`,
      fix: 'Service Quotas → AWS Lambda → Concurrent executions: request an increase, then set TOLLGATE_MODEL_RESERVED_CONCURRENCY.',
    };
  }
  if (reserved === undefined) {
    return {
      check: 'model concurrency',
      status: 'warn',
      detail: `unreserved (account quota ${limit}, ${unreserved} unreserved): a flood of prompts can starve sign-ins`,
      fix: `TOLLGATE_MODEL_RESERVED_CONCURRENCY=${recommended} npx cdk deploy`,
    };
  }
  return { check: 'model concurrency', status: 'ok', detail: `${reserved} reserved of the account’s ${limit} (${unreserved} left unreserved)` };
}

export const SYMBOL: Record<Status, string> = { ok: '✓', warn: '⚠', fail: '✗', na: '–' };

export function formatTable(rows: Row[]): string {
  const width = Math.min(48, Math.max(...rows.map((r) => r.check.length)));
  return rows
    .map((r) => {
      const line = `${SYMBOL[r.status]} ${r.check.padEnd(width)}  ${r.detail}`;
      return r.fix ? `${line}\n  ${' '.repeat(width)}  fix: ${r.fix}` : line;
    })
    .join('\n');
}
