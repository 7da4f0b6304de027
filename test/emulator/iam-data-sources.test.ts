// GIVEN the synthesized template with one data-source grant taken away (or a Deny added), WHEN
// the pipeline reaches that data source, THEN AppSync's call is refused as on AWS — the resolver
// sees AWS's AccessDenied message under the data source's role — and nothing is called or written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { freshUser, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { TEST_CDK_OUT } from '../helpers/global-setup.ts';
import { statementsOf, templateVariant, withoutAction } from '../helpers/template-variant.ts';

const ACCOUNT = '000000000000';

/** An emulator serving a copy of the test assembly with the template edited. */
function variant(edit: Parameters<typeof templateVariant>[1]) {
  const state: { api?: TestEmulator; remove?: () => void } = {};
  beforeAll(async () => {
    const copy = templateVariant(TEST_CDK_OUT, edit);
    state.remove = copy.remove;
    state.api = await startTestEmulator({ cdkOut: copy.cdkOut });
  });
  afterAll(async () => {
    await state.api?.stop();
    state.remove?.();
  });
  return () => state.api!;
}

/** The assumed-role ARN AppSync's calls to a data source carry. */
const dataSourceRole = (api: TestEmulator, dataSource: string) => {
  const ds = api.stack.dataSources.get(dataSource) as { serviceRoleLogicalId: string };
  return `arn:aws:sts::${ACCOUNT}:assumed-role/${api.stack.stackName}-${ds.serviceRoleLogicalId}/APPSYNC_ASSUME_ROLE`;
};
const tableArn = (api: TestEmulator, id: string) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${api.tableName(id)}`;

/** The resolver's error lines (internalError and the pipeline's own), parsed. */
const resolverErrors = (api: TestEmulator) =>
  api.logs.filter((l) => l.startsWith('[resolver] {')).map((l) => JSON.parse(l.slice('[resolver] '.length)) as Record<string, unknown>).filter((e) => e.level === 'error');

const failureOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof TollgateError ? { errorType: e.errorType, message: e.message, errorInfo: e.errorInfo } : e));

describe('a DynamoDB data source whose role lacks the action', () => {
  // checkAccess reads the Users table; its role loses dynamodb:GetItem. myPrompts' Query meets a Deny.
  const api = variant((r) => {
    withoutAction(r, 'UsersTableSourceRoleDefaultPolicy', 'dynamodb:GetItem');
    statementsOf(r, 'PromptsTableSourceRoleDefaultPolicy').push({ Effect: 'Deny', Action: 'dynamodb:Query', Resource: { 'Fn::GetAtt': [Object.keys(r).find((id) => id.startsWith('PromptsTable') && r[id]!.Type === 'AWS::DynamoDB::Table')!, 'Arn'] } });
  });

  it('fails sendPrompt at checkAccess with InternalError, logs AWS’s refusal, and admits nothing', async () => {
    const user = await freshUser(api());
    const failure = await failureOf(user.client.sendPrompt('Hello?'));
    expect(failure).toMatchObject({ errorType: 'InternalError', message: expect.stringMatching(/^Something went wrong on our side\. Reference: /) });
    const logged = resolverErrors(api()).find((e) => e.where === 'checkAccess');
    expect(logged).toMatchObject({ causeType: 'DynamoDB:DynamoDbException' });
    expect(logged!.cause).toMatch(
      new RegExp(
        `^User: ${dataSourceRole(api(), 'UsersTable')} is not authorized to perform: dynamodb:GetItem on resource: ${tableArn(api(), 'UsersTable')} because no identity-based policy allows the dynamodb:GetItem action \\(Service: DynamoDb, Status Code: 400, Request ID: [A-Z0-9]{52}\\)$`,
      ),
    );
    expect(api().logs).toContain(`[iam] data source UsersTable refused: User: ${dataSourceRole(api(), 'UsersTable')} is not authorized to perform: dynamodb:GetItem on resource: ${tableArn(api(), 'UsersTable')} because no identity-based policy allows the dynamodb:GetItem action`);
    expect(await user.client.myUsage()).toMatchObject({ queries: 0 });
  });

  it('says an explicit Deny is one', async () => {
    const user = await freshUser(api());
    expect(await failureOf(user.client.myPrompts())).toMatchObject({ errorType: 'InternalError' });
    const logged = resolverErrors(api()).find((e) => e.where === 'myPrompts');
    expect(logged!.cause).toMatch(
      new RegExp(`^User: ${dataSourceRole(api(), 'PromptsTable')} is not authorized to perform: dynamodb:Query on resource: ${tableArn(api(), 'PromptsTable')} with an explicit deny in an identity-based policy \\(Service: DynamoDb`),
    );
  });
});

describe('a model function whose role may not write the prompt log', () => {
  // The function settles first (log record, then usage); AWS refuses its PutItem, so the
  // pipeline's logPrompt and settle steps write both through the data sources' roles.
  const api = variant((r) => withoutAction(r, 'ModelFunctionServiceRoleDefaultPolicy', 'dynamodb:PutItem'));

  it('answers, and the pipeline writes the log and settles the real tokens in its place', async () => {
    const user = await freshUser(api());
    const answer = await user.client.sendPrompt('Hello, settlement.');
    expect(answer.status).toBe('COMPLETED');
    const fn = api().stack.lambdas.get([...api().stack.lambdas.keys()].find((id) => id.startsWith('ModelFunction'))!)!;
    expect(api().logs.some((l) => l.startsWith(`[${fn.functionName}]`) && l.includes('AccessDeniedException') && l.includes('dynamodb:PutItem'))).toBe(true);
    const [record] = (await user.client.myPrompts()).items;
    expect(record).toMatchObject({ id: answer.id, status: 'COMPLETED', response: answer.response });
    expect(await user.client.myUsage()).toMatchObject({ queries: 1, inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens });
  });
});

describe('a Lambda data source whose role may not invoke the function', () => {
  const api = variant((r) => withoutAction(r, 'ApiModelFunctionServiceRoleDefaultPolicy', 'lambda:InvokeFunction'));

  it('gives a retryable ModelError, refunds the prompt, and never runs the function', async () => {
    const user = await freshUser(api());
    const failure = await failureOf(user.client.sendPrompt('Hello, model?'));
    expect(failure).toMatchObject({ errorType: 'ModelError', message: 'The model could not be reached. Your quota was not charged; please try again.', errorInfo: { retryable: true } });
    const fn = api().stack.lambdas.get([...api().stack.lambdas.keys()].find((id) => id.startsWith('ModelFunction'))!)!;
    const logged = resolverErrors(api()).find((e) => e.step === 'invokeModel');
    expect(logged).toMatchObject({ causeType: 'Lambda:LambdaException' });
    expect(logged!.cause).toMatch(
      new RegExp(
        `^User: ${dataSourceRole(api(), 'ModelFunction')} is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fn.functionName} because no identity-based policy allows the lambda:InvokeFunction action \\(Service: Lambda, Status Code: 403, Request ID: [0-9a-f-]{36}\\)$`,
      ),
    );
    expect(api().logs.some((l) => l.startsWith(`[${fn.functionName}]`))).toBe(false);
    expect(await user.client.myUsage()).toMatchObject({ queries: 0 });
  });
});

describe('the stream function’s data source, whose role may not invoke it', () => {
  const api = variant((r) => withoutAction(r, 'ApiStreamFunctionServiceRoleDefaultPolicy', 'lambda:InvokeFunction'));

  it('makes startPrompt refund the prompt and answer a retryable ModelError: Lambda never took the event', async () => {
    const user = await freshUser(api());
    const failure = await failureOf(user.client.startPrompt('Stream, please'));
    expect(failure).toMatchObject({ errorType: 'ModelError', message: 'The model could not be reached. Your quota was not charged; please try again.', errorInfo: { retryable: true } });
    expect(resolverErrors(api()).find((e) => e.step === 'invokeStream')).toMatchObject({ causeType: 'Lambda:LambdaException' });
    expect(await user.client.myUsage()).toMatchObject({ queries: 0, inputTokens: 0, outputTokens: 0 });
    expect((await user.client.myPrompts()).items).toMatchObject([{ status: 'FAILED', usage: null }]);
  });
});
