// What IAM checks for each request: the actions and resources a DynamoDB data source request, a
// DynamoDB or Secrets Manager API call and a Bedrock Runtime call need, by kind.
import { describe, expect, it } from 'vitest';
import { bedrockNeeds, type BedrockCaller } from '../../emulator/iam/bedrock-access.ts';
import { dataSourceNeeds, dynamoDbApiNeeds, secretArnResolver, secretsManagerNeeds } from '../../emulator/iam/needs.ts';

const arnOf = (t: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`;
const tx = (op: string) => ({ 'dynamodb:enclosingoperation': op });

describe('a DynamoDB data source request needs', () => {
  it('its operation on the table, or on the index it queries', () => {
    expect(dataSourceNeeds('Users', { operation: 'GetItem', key: {} }, arnOf)).toEqual([{ action: 'dynamodb:GetItem', resource: arnOf('Users') }]);
    expect(dataSourceNeeds('Prompts', { operation: 'Query', index: 'byCreatedAt' }, arnOf)).toEqual([{ action: 'dynamodb:Query', resource: `${arnOf('Prompts')}/index/byCreatedAt` }]);
    expect(dataSourceNeeds('Prompts', { operation: 'Scan' }, arnOf)).toEqual([{ action: 'dynamodb:Scan', resource: arnOf('Prompts') }]);
  });

  it('BatchGetItem on every table it names, and BatchWriteItem for BatchPutItem and BatchDeleteItem', () => {
    expect(dataSourceNeeds('Users', { operation: 'BatchGetItem', tables: { A: { keys: [] }, B: { keys: [] } } }, arnOf)).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: arnOf('A') },
      { action: 'dynamodb:BatchGetItem', resource: arnOf('B') },
    ]);
    expect(dataSourceNeeds('Users', { operation: 'BatchDeleteItem', tables: { A: [] } }, arnOf)).toEqual([{ action: 'dynamodb:BatchWriteItem', resource: arnOf('A') }]);
  });

  it('each transaction part as the item action it is, ConditionCheck as ConditionCheckItem', () => {
    const request = {
      operation: 'TransactWriteItems',
      transactItems: [
        { table: 'Usage', operation: 'UpdateItem' },
        { table: 'Prompts', operation: 'PutItem' },
        { table: 'Users', operation: 'ConditionCheck' },
      ],
    };
    expect(dataSourceNeeds('Usage', request, arnOf)).toEqual([
      { action: 'dynamodb:UpdateItem', resource: arnOf('Usage'), context: tx('TransactWriteItems') },
      { action: 'dynamodb:PutItem', resource: arnOf('Prompts'), context: tx('TransactWriteItems') },
      { action: 'dynamodb:ConditionCheckItem', resource: arnOf('Users'), context: tx('TransactWriteItems') },
    ]);
    expect(dataSourceNeeds('Usage', { operation: 'TransactGetItems', transactItems: [{ table: 'Users' }] }, arnOf)).toEqual([
      { action: 'dynamodb:GetItem', resource: arnOf('Users'), context: tx('TransactGetItems') },
    ]);
  });
});

describe('a DynamoDB API call needs', () => {
  it('the same, read from the wire request', () => {
    expect(dynamoDbApiNeeds('GetItem', { TableName: 'Users' }, arnOf)).toEqual([{ action: 'dynamodb:GetItem', resource: arnOf('Users') }]);
    expect(dynamoDbApiNeeds('Query', { TableName: 'Prompts', IndexName: 'byDay' }, arnOf)).toEqual([{ action: 'dynamodb:Query', resource: `${arnOf('Prompts')}/index/byDay` }]);
    expect(dynamoDbApiNeeds('BatchWriteItem', { RequestItems: { A: [], B: [] } }, arnOf).map((n) => n.resource)).toEqual([arnOf('A'), arnOf('B')]);
    expect(
      dynamoDbApiNeeds('TransactWriteItems', { TransactItems: [{ Put: { TableName: 'A' } }, { ConditionCheck: { TableName: 'B' } }, { Delete: { TableName: 'C' } }] }, arnOf).map((n) => n.action),
    ).toEqual(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem']);
    expect(dynamoDbApiNeeds('ListTables', {}, arnOf)).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
  });
});

describe('a Secrets Manager call needs', () => {
  const known = ['arn:aws:secretsmanager:us-east-1:000000000000:secret:Tollgate-dev-JwtSecret-a1b2c3'];
  const resolve = secretArnResolver(known, 'us-east-1', '000000000000');
  it('its action on the secret it names, by name, ARN or partial ARN', () => {
    for (const id of ['Tollgate-dev-JwtSecret', known[0]!, 'arn:aws:secretsmanager:us-east-1:000000000000:secret:Tollgate-dev-JwtSecret']) {
      expect(secretsManagerNeeds('GetSecretValue', { SecretId: id }, resolve)).toEqual([{ action: 'secretsmanager:GetSecretValue', resource: known[0] }]);
    }
    expect(secretsManagerNeeds('GetSecretValue', { SecretId: 'other' }, resolve)[0]!.resource).toBe('arn:aws:secretsmanager:us-east-1:000000000000:secret:other');
    expect(secretsManagerNeeds('ListSecrets', {}, resolve)).toEqual([{ action: 'secretsmanager:ListSecrets', resource: '*' }]);
  });
});

describe('a Bedrock Runtime call needs', () => {
  const APP = 'arn:aws:bedrock:eu-west-1:000000000000:application-inference-profile/a1b2c3d4e5f6';
  const caller: BedrockCaller = { region: 'eu-west-1', account: '000000000000', applicationProfiles: new Map([[APP, 'eu.amazon.nova-2-lite-v1:0']]) };
  const converse = (id: string, body: unknown = {}) => bedrockNeeds(caller, `/model/${encodeURIComponent(id)}/converse`, body);
  const fm = (region: string, id = 'amazon.nova-2-lite-v1:0') => `arn:aws:bedrock:${region}::foundation-model/${id}`;
  const EU_PROFILE = 'arn:aws:bedrock:eu-west-1:000000000000:inference-profile/eu.amazon.nova-2-lite-v1:0';
  const EU = ['eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'];
  const through = (arn: string) => ({ 'bedrock:inferenceprofilearn': arn });

  it('a foundation model: its ARN in the source Region', () => {
    expect(converse('amazon.nova-lite-v1:0')).toEqual([{ action: 'bedrock:InvokeModel', resource: fm('eu-west-1', 'amazon.nova-lite-v1:0') }]);
  });

  it('a geographic profile: its ARN, then the model in every Region of the geography through it', () => {
    expect(converse('eu.amazon.nova-2-lite-v1:0')).toEqual([
      { action: 'bedrock:InvokeModel', resource: EU_PROFILE },
      ...EU.map((r) => ({ action: 'bedrock:InvokeModel', resource: fm(r), context: through(EU_PROFILE) })),
    ]);
    expect(converse(EU_PROFILE)).toEqual(converse('eu.amazon.nova-2-lite-v1:0'));
  });

  it('a global profile: the source Region’s model and the Region-less one, through it', () => {
    const profile = 'arn:aws:bedrock:eu-west-1:000000000000:inference-profile/global.amazon.nova-2-lite-v1:0';
    expect(converse('global.amazon.nova-2-lite-v1:0')).toEqual([
      { action: 'bedrock:InvokeModel', resource: profile },
      { action: 'bedrock:InvokeModel', resource: fm('eu-west-1'), context: through(profile) },
      { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:::foundation-model/amazon.nova-2-lite-v1:0', context: through(profile) },
    ]);
  });

  it('an application profile: its ARN, then what it wraps, all through the application profile', () => {
    const needs = converse(APP);
    expect(needs[0]).toEqual({ action: 'bedrock:InvokeModel', resource: APP });
    expect(needs[1]).toEqual({ action: 'bedrock:InvokeModel', resource: EU_PROFILE, context: through(APP) });
    expect(needs.slice(2).every((n) => n.context?.['bedrock:inferenceprofilearn'] === APP)).toBe(true);
    expect(needs).toHaveLength(2 + EU.length);
  });

  it('streaming as InvokeModelWithResponseStream, and ApplyGuardrail on a guardrail the request names', () => {
    expect(bedrockNeeds(caller, '/model/amazon.nova-lite-v1%3A0/converse-stream', {})[0]!.action).toBe('bedrock:InvokeModelWithResponseStream');
    expect(converse('amazon.nova-lite-v1:0', { guardrailConfig: { guardrailIdentifier: 'gr1', guardrailVersion: '1' } })[1]).toEqual({
      action: 'bedrock:ApplyGuardrail',
      resource: 'arn:aws:bedrock:eu-west-1:000000000000:guardrail/gr1',
    });
    expect(bedrockNeeds(caller, '/guardrail/gr1/version/1/apply', {})).toEqual([{ action: 'bedrock:ApplyGuardrail', resource: 'arn:aws:bedrock:eu-west-1:000000000000:guardrail/gr1' }]);
    expect(bedrockNeeds(caller, '/foundation-models', {})).toEqual([]);
  });
});
