// The doctor against a deployed stack, with AWS's answers recorded (aws-sdk-client-mock): every
// row, healthy and sick, with the fix it prints.
import { AppSyncClient, GetGraphqlApiCommand, GetGraphqlApiEnvironmentVariablesCommand, ListApiKeysCommand } from '@aws-sdk/client-appsync';
import { BedrockClient, GetFoundationModelAvailabilityCommand, GetFoundationModelCommand, GetInferenceProfileCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetWebACLForResourceCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatTable } from '../../admin/doctor/checks.ts';
import { doctorDeployed, main } from '../../admin/doctor/index.ts';

const ACCOUNT = '111122223333';
const API_ID = 'abcdefghijklmnopqrstuvwxyz';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:Tollgate-prod-AlarmTopicD01E77F9-Xa1b2c3d4e5f`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:JwtSecretB8834B39-Ab12Cd34Ef56-AbCdEf`;
const NOW = Date.now();

const mocks = {
  cfn: mockClient(CloudFormationClient),
  appsync: mockClient(AppSyncClient),
  bedrock: mockClient(BedrockClient),
  runtime: mockClient(BedrockRuntimeClient),
  secrets: mockClient(SecretsManagerClient),
  sns: mockClient(SNSClient),
  waf: mockClient(WAFV2Client),
  lambda: mockClient(LambdaClient),
};

/** A healthy stack, as AWS answers for it. */
beforeEach(() => {
  mocks.cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Tollgate-prod',
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'ApiId', OutputValue: API_ID },
          { OutputKey: 'AlarmTopicArn', OutputValue: TOPIC },
          { OutputKey: 'GraphQLUrl', OutputValue: 'https://example.appsync-api.us-east-1.amazonaws.com/graphql' },
        ],
      },
    ],
  });
  mocks.cfn.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'JwtSecretB8834B39', PhysicalResourceId: SECRET, ResourceType: 'AWS::SecretsManager::Secret', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      { LogicalResourceId: 'ModelFunction3BC726C4', PhysicalResourceId: 'Tollgate-prod-ModelFunction3BC726C4-AbCdEf123456', ResourceType: 'AWS::Lambda::Function', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
    ],
  });
  mocks.appsync.on(GetGraphqlApiEnvironmentVariablesCommand).resolves({ environmentVariables: { MODELS: 'us.amazon.nova-2-lite-v1:0=Amazon Nova 2 Lite,amazon.nova-lite-v1:0=Amazon Nova Lite', DAILY_PROMPT_LIMIT: '50' } });
  mocks.appsync.on(GetGraphqlApiCommand).resolves({ graphqlApi: { apiId: API_ID, name: 'tollgate-prod', arn: `arn:aws:appsync:us-east-1:${ACCOUNT}:apis/${API_ID}` } });
  mocks.appsync.on(ListApiKeysCommand).resolves({ apiKeys: [{ id: 'da2-abcdefghijklmnopqrstuvwxyz', description: 'register and login only', expires: Math.floor(NOW / 1000) + 300 * 86_400 + 3600, deletes: Math.floor(NOW / 1000) + 360 * 86_400 }] });
  mocks.bedrock.on(GetInferenceProfileCommand, { inferenceProfileIdentifier: 'us.amazon.nova-2-lite-v1:0' }).resolves({
    inferenceProfileName: 'US Nova 2 Lite',
    inferenceProfileArn: `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.amazon.nova-2-lite-v1:0`,
    inferenceProfileId: 'us.amazon.nova-2-lite-v1:0',
    status: 'ACTIVE',
    type: 'SYSTEM_DEFINED',
    models: ['us-east-1', 'us-east-2', 'us-west-2'].map((r) => ({ modelArn: `arn:aws:bedrock:${r}::foundation-model/amazon.nova-2-lite-v1:0` })),
  });
  for (const [modelId, types] of [
    ['amazon.nova-2-lite-v1:0', ['INFERENCE_PROFILE']],
    ['amazon.nova-lite-v1:0', ['ON_DEMAND', 'INFERENCE_PROFILE']],
  ] as const) {
    mocks.bedrock.on(GetFoundationModelCommand, { modelIdentifier: modelId }).resolves({
      // The SDK's InferenceType enum lacks INFERENCE_PROFILE, which Bedrock sends for profile-only models.
      modelDetails: { modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${modelId}`, modelId, providerName: 'Amazon', inferenceTypesSupported: [...types] as never[], modelLifecycle: { status: 'ACTIVE' } },
    });
    mocks.bedrock.on(GetFoundationModelAvailabilityCommand, { modelId }).resolves({
      modelId,
      agreementAvailability: { status: 'AVAILABLE' },
      authorizationStatus: 'AUTHORIZED',
      entitlementAvailability: 'AVAILABLE',
      regionAvailability: 'AVAILABLE',
    });
  }
  mocks.runtime.on(ConverseCommand).resolves({ output: { message: { role: 'assistant', content: [{ text: 'OK' }] } }, stopReason: 'max_tokens', usage: { inputTokens: 4, outputTokens: 1, totalTokens: 5 }, metrics: { latencyMs: 312 } });
  mocks.secrets.on(DescribeSecretCommand).resolves({ ARN: SECRET, Name: 'JwtSecretB8834B39-Ab12Cd34Ef56', VersionIdsToStages: { 'a1b2c3d4-0000-4000-8000-000000000001': ['AWSCURRENT'], 'a1b2c3d4-0000-4000-8000-000000000002': ['AWSPREVIOUS'] } });
  mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: `${TOPIC}:5b6c7d8e-0000-4000-8000-000000000000`, Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: TOPIC, Owner: ACCOUNT }] });
  mocks.waf.on(GetWebACLForResourceCommand).resolves({ WebACL: { Name: 'WebAcl-AbCdEf', Id: 'f1e2d3c4-0000-4000-8000-000000000000', ARN: `arn:aws:wafv2:us-east-1:${ACCOUNT}:regional/webacl/WebAcl/x`, DefaultAction: { Allow: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'TollgateWebAcl' }, Rules: Array.from({ length: 6 }, (_, i) => ({ Name: `r${i}`, Priority: i, Statement: {}, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: `r${i}` } })) } });
  mocks.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 900 }, AccountUsage: { FunctionCount: 4 } });
  mocks.lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 100 });
});

afterEach(() => {
  for (const m of Object.values(mocks)) m.reset();
});

const byCheck = (rows: { check: string }[]) => Object.fromEntries(rows.map((r) => [r.check, r]));

describe('the doctor against a deployed stack', () => {
  it('passes a healthy stack, row by row', async () => {
    const rows = byCheck(await doctorDeployed('prod', { region: 'us-east-1', probe: true }));
    expect(rows['us.amazon.nova-2-lite-v1:0: profile']).toMatchObject({ status: 'ok', detail: 'system profile, routes to us-east-1, us-east-2, us-west-2' });
    expect(rows['us.amazon.nova-2-lite-v1:0: lifecycle']).toMatchObject({ status: 'ok' });
    expect(rows['us.amazon.nova-2-lite-v1:0: access']).toMatchObject({ status: 'ok' });
    expect(rows['us.amazon.nova-2-lite-v1:0: probe']).toMatchObject({ status: 'ok', detail: 'answered (4 in, 1 out tokens, 312 ms)' });
    expect(rows['amazon.nova-lite-v1:0: lifecycle']).toMatchObject({ status: 'ok' });
    expect(rows['API key']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/\(300 days\)$/) });
    expect(rows['signing secret']).toMatchObject({ status: 'ok', detail: expect.stringContaining('AWSPREVIOUS kept') });
    expect(rows['alarm topic']).toMatchObject({ status: 'ok', detail: '1 confirmed subscriber(s): email' });
    expect(rows.WAF).toMatchObject({ status: 'ok', detail: 'web ACL WebAcl-AbCdEf (6 rules) guards the API' });
    expect(rows['model concurrency']).toMatchObject({ status: 'ok', detail: '100 reserved of the account’s 1000 (900 left unreserved)' });
    expect(mocks.runtime.commandCalls(ConverseCommand)[0]!.args[0].input).toMatchObject({ modelId: 'us.amazon.nova-2-lite-v1:0', inferenceConfig: { maxTokens: 1 } });
  });

  it('fails a Legacy model with its end date, a model without access with the console step, and a retired one with its replacement', async () => {
    mocks.appsync.on(GetGraphqlApiEnvironmentVariablesCommand).resolves({ environmentVariables: { MODELS: 'amazon.nova-lite-v1:0,anthropic.claude-haiku-4-5-20251001-v1:0,cohere.command-r-v1:0' } });
    mocks.bedrock.on(GetFoundationModelCommand, { modelIdentifier: 'amazon.nova-lite-v1:0' }).resolves({ modelDetails: { modelArn: 'x', modelId: 'amazon.nova-lite-v1:0', inferenceTypesSupported: ['ON_DEMAND'], modelLifecycle: { status: 'LEGACY' } } });
    mocks.bedrock.on(GetFoundationModelCommand, { modelIdentifier: 'anthropic.claude-haiku-4-5-20251001-v1:0' }).resolves({ modelDetails: { modelArn: 'y', modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0', inferenceTypesSupported: ['ON_DEMAND'], modelLifecycle: { status: 'ACTIVE' } } });
    mocks.bedrock.on(GetFoundationModelAvailabilityCommand, { modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0' }).resolves({
      modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0',
      agreementAvailability: { status: 'NOT_AVAILABLE' },
      authorizationStatus: 'NOT_AUTHORIZED',
      entitlementAvailability: 'NOT_AVAILABLE',
      regionAvailability: 'AVAILABLE',
    });
    mocks.bedrock.on(GetFoundationModelCommand, { modelIdentifier: 'cohere.command-r-v1:0' }).rejects(Object.assign(new Error('This model version has reached the end of its life.'), { name: 'ResourceNotFoundException' }));
    const rows = byCheck(await doctorDeployed('prod', { region: 'us-east-1', probe: false }));
    expect(rows['amazon.nova-lite-v1:0: lifecycle']).toMatchObject({ status: 'warn', fix: expect.stringMatching(/^Move TOLLGATE_MODELS/) });
    expect(rows['anthropic.claude-haiku-4-5-20251001-v1:0: access']).toMatchObject({ status: 'fail', fix: expect.stringContaining('Anthropic use case form') });
    expect(rows['cohere.command-r-v1:0: lifecycle']).toMatchObject({
      status: 'fail',
      detail: 'cohere.command-r-v1:0 reached end of life on 2026-08-19',
      fix: 'Replace it with Amazon Nova 2 Lite (amazon.nova-2-lite-v1:0) in TOLLGATE_MODELS and redeploy.',
    });
    expect(Object.keys(rows).some((c) => c.endsWith(': probe'))).toBe(false);
  });

  it('fails a profile that routes outside the granted Regions, and a probe Bedrock refuses', async () => {
    mocks.bedrock.on(GetInferenceProfileCommand, { inferenceProfileIdentifier: 'us.amazon.nova-2-lite-v1:0' }).resolves({
      inferenceProfileName: 'US Nova 2 Lite',
      inferenceProfileArn: 'a',
      inferenceProfileId: 'us.amazon.nova-2-lite-v1:0',
      status: 'ACTIVE',
      type: 'SYSTEM_DEFINED',
      models: ['us-east-1', 'ca-central-1'].map((r) => ({ modelArn: `arn:aws:bedrock:${r}::foundation-model/amazon.nova-2-lite-v1:0` })),
    });
    mocks.runtime.on(ConverseCommand).rejects(Object.assign(new Error("You don't have access to the model with the specified model ID."), { name: 'AccessDeniedException' }));
    const rows = byCheck(await doctorDeployed('prod', { region: 'us-east-1', probe: true }));
    expect(rows['us.amazon.nova-2-lite-v1:0: profile']).toMatchObject({ status: 'fail', detail: 'routes to ca-central-1, which the stack’s IAM grant does not cover' });
    // A model already failing is not probed; one that passes the control plane is.
    expect(rows['us.amazon.nova-2-lite-v1:0: probe']).toBeUndefined();
    expect(rows['amazon.nova-lite-v1:0: probe']).toMatchObject({ status: 'fail', fix: expect.stringContaining('Model access') });
  });

  it('warns about an API key near expiry, an unsubscribed alarm topic and an unreserved model function, and fails a missing WAF', async () => {
    mocks.appsync.on(ListApiKeysCommand).resolves({ apiKeys: [{ id: 'da2-x', expires: Math.floor(NOW / 1000) + 10 * 86_400 }] });
    mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    mocks.waf.on(GetWebACLForResourceCommand).resolves({});
    mocks.lambda.on(GetFunctionConcurrencyCommand).resolves({});
    const rows = byCheck(await doctorDeployed('prod', { region: 'us-east-1', probe: false }));
    expect(rows['API key']).toMatchObject({ status: 'warn', fix: expect.stringContaining('npm run admin -- renew-api-key') });
    expect(rows['alarm topic']).toMatchObject({ status: 'warn', fix: expect.stringContaining('aws sns subscribe') });
    expect(rows.WAF).toMatchObject({ status: 'fail' });
    expect(rows['model concurrency']).toMatchObject({ status: 'warn', fix: 'TOLLGATE_MODEL_RESERVED_CONCURRENCY=450 npx cdk deploy' });
  });

  it('says a new account’s small concurrency quota cannot reserve anything, and fails an expired key', async () => {
    mocks.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    mocks.appsync.on(ListApiKeysCommand).resolves({ apiKeys: [{ id: 'da2-x', expires: Math.floor(NOW / 1000) - 86_400 }] });
    const rows = byCheck(await doctorDeployed('prod', { region: 'us-east-1', probe: false }));
    expect(rows['model concurrency']).toMatchObject({ status: 'warn', detail: expect.stringContaining('account quota 10: nothing can be reserved') });
    expect(rows['API key']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^expired on /) });
  });

  it('prints a table with ✓/⚠/✗ and the fixes, and exits 1 when a row failed', async () => {
    mocks.waf.on(GetWebACLForResourceCommand).resolves({});
    let out = '';
    const code = await main(['--stage', 'prod', '--region', 'us-east-1'], (t) => (out += t));
    expect(code).toBe(1);
    expect(out).toMatch(/^Tollgate doctor — stack Tollgate-prod\n/);
    expect(out).toMatch(/✓ us\.amazon\.nova-2-lite-v1:0: profile +system profile/);
    expect(out).toMatch(/✗ WAF +no web ACL is associated with the API\n +fix: Redeploy the stack/);
    expect(formatTable([{ check: 'x', status: 'na', detail: 'n/a offline' }])).toBe('– x  n/a offline');
  });

  it('says which stack it could not read', async () => {
    mocks.cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Tollgate-nope does not exist'), { name: 'ValidationError' }));
    await expect(doctorDeployed('nope', { region: 'eu-west-1', probe: false })).rejects.toThrow('Could not read stack Tollgate-nope in eu-west-1: ValidationError: Stack with id Tollgate-nope does not exist');
  });
});
