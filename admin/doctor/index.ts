// `npm run doctor` / `npx tollgate doctor`: checks that a deployed stack can serve prompts today
// (models' lifecycle and access, API key expiry, signing secret, alarm subscribers, WAF, model
// concurrency) and prints a table of ✓/⚠/✗ with the fix for each row. Against the running
// emulator it runs the rows that have a local counterpart and says "n/a offline" for the rest.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppSyncClient, GetGraphqlApiCommand, GetGraphqlApiEnvironmentVariablesCommand } from '@aws-sdk/client-appsync';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { CloudFormationClient, DescribeStacksCommand, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { loadStack } from '../../emulator/template.ts';
import { alarmTopicRow, apiKeyRow, concurrencyRow, formatTable, modelRows, secretRow, wafRow, type Row } from './checks.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = join(import.meta.dirname, '..', '..');

const HELP = `Usage: npm run doctor -- [--stage <stage>] [--region <region>] [--probe] [--json]
   or: npx tollgate doctor [--stage <stage>] [--region <region>] [--probe] [--json]

Checks that Tollgate can serve prompts: every configured model's lifecycle and access (Bedrock
control plane; --probe also sends each a one-token Converse request), the API key's expiry, the
signing secret, the alarm topic's subscribers, the WAF association and the model function's
reserved concurrency. Uses your AWS credentials with --stage; without it, the running emulator
(npm start), where only the models and the secret have a local counterpart.

Exit status: 0 when nothing failed (warnings allowed), 1 when a row failed, 2 for usage errors,
3 when there was nothing to check (no running emulator, a stack that could not be read).`;

/** Nothing could be checked: no running emulator, a stack that cannot be read (exit 3). */
export class DoctorError extends Error {
  override readonly name = 'DoctorError';
}

const modelIds = (models: string | undefined) => (models ?? '').split(',').filter(Boolean).map((entry) => entry.split('=')[0]!);

/** The deployed stack Tollgate-<stage>: its outputs and resources, then every row. */
export async function doctorDeployed(stage: string, opts: { region?: string; probe: boolean }): Promise<Row[]> {
  const config = opts.region ? { region: opts.region } : {};
  const cfn = new CloudFormationClient(config);
  const stackName = `Tollgate-${stage}`;
  const outputs: Record<string, string> = {};
  const resources: { type: string; logicalId: string; physicalId: string }[] = [];
  try {
    const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    for (const o of described.Stacks?.[0]?.Outputs ?? []) if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
    for await (const page of paginateListStackResources({ client: cfn }, { StackName: stackName })) {
      for (const r of page.StackResourceSummaries ?? []) resources.push({ type: r.ResourceType ?? '', logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId ?? '' });
    }
  } catch (error) {
    throw new DoctorError(`Could not read stack ${stackName}${opts.region ? ` in ${opts.region}` : ''}: ${(error as Error).name}: ${(error as Error).message}`);
  } finally {
    cfn.destroy();
  }
  const apiId = outputs.ApiId;
  if (!apiId) throw new DoctorError(`Stack ${stackName} has no ApiId output. Is it a Tollgate stack deployed from this version?`);
  const find = (type: string, prefix: string) => resources.find((r) => r.type === type && r.logicalId.startsWith(prefix))?.physicalId;

  const clients = {
    appsync: new AppSyncClient(config),
    bedrock: new BedrockClient(config),
    runtime: opts.probe ? new BedrockRuntimeClient(config) : undefined,
    secrets: new SecretsManagerClient(config),
    sns: new SNSClient(config),
    waf: new WAFV2Client(config),
    lambda: new LambdaClient(config),
  };
  try {
    const rows: Row[] = [];
    const env = await clients.appsync.send(new GetGraphqlApiEnvironmentVariablesCommand({ apiId }));
    for (const id of modelIds(env.environmentVariables?.MODELS)) rows.push(...(await modelRows(clients, id)));
    rows.push(await apiKeyRow(clients.appsync, apiId));
    const secretArn = find('AWS::SecretsManager::Secret', 'JwtSecret');
    rows.push(secretArn ? await secretRow(clients.secrets, secretArn) : { check: 'signing secret', status: 'fail', detail: 'the stack has no JwtSecret' });
    rows.push(outputs.AlarmTopicArn ? await alarmTopicRow(clients.sns, outputs.AlarmTopicArn) : { check: 'alarm topic', status: 'fail', detail: 'the stack has no AlarmTopicArn output' });
    const apiArn = (await clients.appsync.send(new GetGraphqlApiCommand({ apiId }))).graphqlApi?.arn;
    rows.push(apiArn ? await wafRow(clients.waf, apiArn) : { check: 'WAF', status: 'fail', detail: `no API ${apiId}` });
    const modelFunction = find('AWS::Lambda::Function', 'ModelFunction');
    rows.push(modelFunction ? await concurrencyRow(clients.lambda, modelFunction) : { check: 'model concurrency', status: 'fail', detail: 'the stack has no ModelFunction' });
    return rows;
  } finally {
    for (const c of Object.values(clients)) c?.destroy();
  }
}

interface RuntimeInfo {
  pid: number;
  bedrockControlUrl?: string;
  secretsManagerUrl?: string;
}

/** The running emulator: models through the local Bedrock's control plane, the local secret. */
export async function doctorLocal(dataDir: string, cdkOut: string, opts: { probe: boolean }): Promise<Row[]> {
  const file = join(dataDir, 'emulator.json');
  const info = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo) : undefined;
  let alive = false;
  if (info) {
    try {
      process.kill(info.pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
  }
  if (!info || !alive) throw new DoctorError(`No running emulator for ${dataDir}. Start it with npm start, or check a deployed stack with --stage <stage>.`);
  const stack = loadStack(cdkOut);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const rows: Row[] = [];
  const offline = (check: string): Row => ({ check, status: 'na', detail: 'n/a offline' });
  if (info.bedrockControlUrl) {
    const bedrock = new BedrockClient({ region: 'us-east-1', endpoint: info.bedrockControlUrl, credentials });
    try {
      for (const id of modelIds(String(stack.api.environment.MODELS ?? ''))) rows.push(...(await modelRows({ bedrock }, id)));
    } finally {
      bedrock.destroy();
    }
  } else {
    rows.push({ check: 'models', status: 'na', detail: 'the emulator calls the real Bedrock (hybrid mode): check with --stage or AWS credentials' });
  }
  if (opts.probe) rows.push({ check: 'probe', status: 'na', detail: 'n/a offline: the dev model always answers' });
  rows.push(offline('API key'));
  const secret = [...stack.secrets.values()][0];
  if (secret && info.secretsManagerUrl) {
    const secrets = new SecretsManagerClient({ region: 'us-east-1', endpoint: info.secretsManagerUrl, credentials });
    try {
      rows.push(await secretRow(secrets, String(stack.resolve({ Ref: secret.logicalId }))));
    } finally {
      secrets.destroy();
    }
  }
  rows.push(offline('alarm topic'), offline('WAF'), offline('model concurrency'));
  return rows;
}

export async function main(argv: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      probe: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    write(HELP + '\n');
    return 0;
  }
  const rows = values.stage
    ? await doctorDeployed(values.stage, { region: values.region, probe: values.probe })
    : await doctorLocal(process.env.TOLLGATE_DATA_DIR ?? join(ROOT, '.tollgate', 'data'), process.env.TOLLGATE_CDK_OUT ?? join(ROOT, 'cdk.out'), { probe: values.probe });
  write(values.json ? JSON.stringify(rows, null, 2) + '\n' : `Tollgate doctor — ${values.stage ? `stack Tollgate-${values.stage}` : 'the running emulator'}\n\n${formatTable(rows)}\n`);
  return rows.some((r) => r.status === 'fail') ? 1 : 0;
}

/** Runs the doctor as a command: prints the table, exits 0/1, or 2 (usage) / 3 (nothing to check) with a sentence. */
export function run(argv: string[]): void {
  // exitCode, not exit(): a piped stdout must drain first.
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // The CLI's codes (client/cli-text.ts EXIT): a wrong command line is 2; no emulator or an
      // unreadable stack (DoctorError) is 3, as an unreachable API is for every other command.
      const usage = String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS');
      process.stderr.write(`doctor: ${(error as Error)?.message ?? String(error)}\n`);
      process.exitCode = usage ? 2 : 3;
    },
  );
}

if (process.argv[1] && import.meta.filename === process.argv[1]) run(process.argv.slice(2));
