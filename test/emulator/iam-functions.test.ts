// A function's own calls to DynamoDB, Secrets Manager and Bedrock go through IAM as on AWS: signed
// with the credentials the emulator handed it, allowed only by its role's template policies, and
// refused with each service's own AccessDeniedException as the real SDK clients read it.
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import type { AwsCredentials } from '../../emulator/iam/index.ts';
import { documentClientOf, PASSWORD, startTestEmulator, uniqueEmail, useEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { TEST_CDK_OUT } from '../helpers/global-setup.ts';
import { statementsOf, templateVariant, withoutAction } from '../helpers/template-variant.ts';

const ACCOUNT = '000000000000';
const region = 'us-east-1';

const emulator = useEmulator();

/** The logical id of a construct's resource, e.g. 'AuthorizerFunction' → 'AuthorizerFunctionB4DBAA43'. */
const lambdaOf = (a: TestEmulator, id: string) => a.stack.lambdas.get([...a.stack.lambdas.keys()].find((k) => k.replace(/[0-9A-F]{8}$/, '') === id)!)!;
/** The assumed-role ARN a function's calls carry: its role, its name as the session. */
const functionRole = (a: TestEmulator, id: string) => {
  const fn = lambdaOf(a, id);
  return `arn:aws:sts::${ACCOUNT}:assumed-role/${a.stack.stackName}-${fn.roleLogicalId}/${fn.functionName}`;
};
/** The signing secret's ARN, as the functions are given it. */
const secretArnOf = (a: TestEmulator) => String(a.stack.resolve(lambdaOf(a, 'AuthorizerFunction').environment.JWT_SECRET_ARN!));

const dynamo = (credentials: AwsCredentials) => new DynamoDBClient({ region, endpoint: emulator.api.functionEndpoints.dynamodb, credentials, maxAttempts: 1 });
const thrown = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });

describe('a function’s DynamoDB call', () => {
  it('that its role allows goes through', async () => {
    const out = await dynamo(emulator.api.functionCredentials('AuthorizerFunction')).send(new GetItemCommand({ TableName: emulator.api.tableName('UsersTable'), Key: { email: { S: 'nobody@example.com' } } }));
    expect(out.Item).toBeUndefined();
  });

  it('that its role does not allow gets DynamoDB’s 400 AccessDeniedException with AWS’s message', async () => {
    const table = emulator.api.tableName('RateLimitsTable');
    const error = await thrown(dynamo(emulator.api.functionCredentials('AuthorizerFunction')).send(new GetItemCommand({ TableName: table, Key: { key: { S: 'x' } } })));
    expect(error?.name).toBe('AccessDeniedException');
    expect(error?.$metadata?.httpStatusCode).toBe(400);
    const message = `User: ${functionRole(emulator.api, 'AuthorizerFunction')} is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:${region}:${ACCOUNT}:table/${table} because no identity-based policy allows the dynamodb:GetItem action`;
    expect(error?.message).toBe(message);
    expect(emulator.api.logs).toContain(`[iam] dynamodb refused: ${message}`);
  });

  it('signed with a key the emulator never issued, or with the wrong secret, is refused before any policy', async () => {
    const real = emulator.api.functionCredentials('AuthorizerFunction');
    const get = new GetItemCommand({ TableName: emulator.api.tableName('UsersTable'), Key: { email: { S: 'nobody@example.com' } } });
    expect(await thrown(dynamo({ ...real, accessKeyId: 'ASIAUNKNOWNUNKNOWN12' }).send(get))).toMatchObject({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    expect(await thrown(dynamo({ ...real, secretAccessKey: 'not-the-secret' }).send(get))).toMatchObject({ name: 'InvalidSignatureException' });
    // The operator's tools reach the service itself, with any credentials.
    await expect(documentClientOf(emulator.api).send(new PutCommand({ TableName: emulator.api.tableName('RateLimitsTable'), Item: { key: 'operator' } }))).resolves.toBeDefined();
  });
});

describe('a function’s Secrets Manager call', () => {
  it('that its role does not allow gets Secrets Manager’s AccessDeniedException', async () => {
    const client = new SecretsManagerClient({ region, endpoint: emulator.api.functionEndpoints.secretsManager, credentials: emulator.api.functionCredentials('ModelFunction'), maxAttempts: 1 });
    const secret = secretArnOf(emulator.api);
    const error = await thrown(client.send(new GetSecretValueCommand({ SecretId: secret })));
    expect(error?.name).toBe('AccessDeniedException');
    expect(error?.$metadata?.httpStatusCode).toBe(400);
    expect(error?.message).toBe(`User: ${functionRole(emulator.api, 'ModelFunction')} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret} because no identity-based policy allows the secretsmanager:GetSecretValue action`);
  });
});

describe('a function’s Bedrock call', () => {
  const converse = (credentials: AwsCredentials, modelId: string) =>
    new BedrockRuntimeClient({ region, endpoint: emulator.api.functionEndpoints.bedrockRuntime!, credentials, maxAttempts: 1 }).send(
      new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'Hello' }] }], inferenceConfig: { maxTokens: 16 } }),
    );

  it('through the configured us. profile answers for the model function', async () => {
    const out = await converse(emulator.api.functionCredentials('ModelFunction'), 'us.amazon.nova-2-lite-v1:0');
    expect(out.stopReason).toBeDefined();
  });

  it('from a role without the grant gets Bedrock’s 403 AccessDeniedException naming the profile', async () => {
    const error = await thrown(converse(emulator.api.functionCredentials('AuthFunction'), 'us.amazon.nova-2-lite-v1:0'));
    expect(error?.name).toBe('AccessDeniedException');
    expect(error?.$metadata?.httpStatusCode).toBe(403);
    expect(error?.message).toBe(
      `User: ${functionRole(emulator.api, 'AuthFunction')} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${region}:${ACCOUNT}:inference-profile/us.amazon.nova-2-lite-v1:0 because no identity-based policy allows the bedrock:InvokeModel action`,
    );
  });

  it('to a foundation model the profile routes to, but not through the profile, is refused (the grant’s condition)', async () => {
    const error = await thrown(converse(emulator.api.functionCredentials('ModelFunction'), `arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-2-lite-v1:0`));
    expect(error?.message).toBe(
      `User: ${functionRole(emulator.api, 'ModelFunction')} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-2-lite-v1:0 because no identity-based policy allows the bedrock:InvokeModel action`,
    );
  });
});

describe('functions whose grants were taken away', () => {
  // The auth function may not write Users (register); the authorizer may not read the signing secret.
  const edit = (r: Parameters<Parameters<typeof templateVariant>[1]>[0]) => {
    withoutAction(r, 'AuthFunctionServiceRoleDefaultPolicy', 'dynamodb:PutItem');
    withoutAction(r, 'AuthorizerFunctionServiceRoleDefaultPolicy', 'secretsmanager:GetSecretValue');
    // A grant the emulator cannot judge (a condition operator it does not evaluate) grants nothing.
    statementsOf(r, 'AuthFunctionServiceRoleDefaultPolicy').push({ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } });
  };
  let copy: ReturnType<typeof templateVariant>;
  let denied: TestEmulator;
  let off: TestEmulator;
  beforeAll(async () => {
    copy = templateVariant(TEST_CDK_OUT, edit);
    [denied, off] = await Promise.all([startTestEmulator({ cdkOut: copy.cdkOut }), startTestEmulator({ cdkOut: copy.cdkOut, iam: false })]);
  });
  afterAll(async () => {
    await Promise.all([denied?.stop(), off?.stop()]);
    copy?.remove();
  });

  const functionLog = (a: TestEmulator, id: string, msg: string) =>
    a.logs
      .filter((l) => l.startsWith(`[${lambdaOf(a, id).functionName}] {`))
      .map((l) => JSON.parse(l.slice(l.indexOf(' ') + 1)) as Record<string, unknown>)
      .find((e) => e.msg === msg);

  it('fail register with InternalError, the function having met DynamoDB’s AccessDeniedException', async () => {
    const failure = await denied.client().register(uniqueEmail('iam'), PASSWORD).then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(TollgateError);
    expect((failure as TollgateError).errorType).toBe('InternalError');
    expect(functionLog(denied, 'AuthFunction', 'auth failed')).toMatchObject({
      errorName: 'AccessDeniedException',
      errorMessage: `User: ${functionRole(denied, 'AuthFunction')} is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:${region}:${ACCOUNT}:table/${denied.tableName('UsersTable')} because no identity-based policy allows the dynamodb:PutItem action`,
    });
  });

  it('name a grant the emulator cannot judge once, at start, and let it grant nothing', () => {
    const notes = denied.logs.filter((l) => l.includes('DateGreaterThan'));
    expect(notes).toEqual([expect.stringMatching(/^\[iam\] The policy AuthFunctionServiceRoleDefaultPolicy[0-9A-F]{8} \(role AuthFunctionServiceRole[0-9A-F]{8}\) uses the condition operator DateGreaterThan, which the emulator does not evaluate: that Allow grants nothing here\.$/)]);
  });

  it('refuse every token with AppSync’s 401 when the authorizer may not read the signing secret (its own SigV4 client meets the refusal)', async () => {
    // A user written by the operator, so login works while register cannot.
    const email = uniqueEmail('iam');
    await documentClientOf(denied).send(
      new PutCommand({ TableName: denied.tableName('UsersTable'), Item: { email, userId: `u-${Date.now()}`, passwordHash: bcrypt.hashSync(PASSWORD, 4), tokenVersion: 0 } }),
    );
    const { token } = await denied.client().login(email, PASSWORD);
    const failure = await denied.client(token).myUsage().then(() => null, (e: unknown) => e as TollgateError);
    expect(failure).toMatchObject({ status: 401, errorType: 'UnauthorizedException' });
    expect(functionLog(denied, 'AuthorizerFunction', 'authorizer failed')).toMatchObject({
      errorName: 'AccessDeniedException',
      errorMessage: `User: ${functionRole(denied, 'AuthorizerFunction')} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretArnOf(denied)} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    });
  });

  it('work as before with TOLLGATE_IAM=off, and the start says so', async () => {
    const email = uniqueEmail('iam-off');
    await off.client().register(email, PASSWORD);
    const { token } = await off.client().login(email, PASSWORD);
    await expect(off.client(token).myUsage()).resolves.toMatchObject({ queries: 0 });
    expect(off.logs).toContain('[iam] the template\'s IAM policies are not enforced (TOLLGATE_IAM=off); only AWS_IAM callers of the API are checked.');
    expect(off.functionEndpoints.dynamodb).toBe(off.dynamodbUrl);
    expect(denied.logs.some((l) => l.startsWith('[iam] enforcing the template\'s IAM policies'))).toBe(true);
  });
});
