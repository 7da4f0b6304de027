// How the emulator decides a role's access from its statements (AWS's evaluation logic: an
// explicit Deny wins, otherwise an Allow must match action, resource and conditions).
import { describe, expect, it } from 'vitest';
import { arnLike, TemplatePolicies, type PolicyStatement } from '../../emulator/iam/policy.ts';

const API = 'arn:aws:appsync:us-east-1:000000000000:apis/local';
const field = (type: string, name: string) => `${API}/types/${type}/fields/${name}`;
const allow = (actions: string[], resources: string[], unsupported: string[] = []): PolicyStatement => ({ effect: 'Allow', actions, resources, unsupported });
const deny = (actions: string[], resources: string[], unsupported: string[] = []): PolicyStatement => ({ effect: 'Deny', actions, resources, unsupported });
const role = (...statements: PolicyStatement[]) => new TemplatePolicies(new Map([['Role', statements]]));
const identity = <T>(v: T) => v;

/** A template's resources: one role with one AWS::IAM::Policy holding these statements. */
const template = (statements: unknown[], roleProperties: Record<string, unknown> = {}) =>
  TemplatePolicies.fromResources(
    {
      Role: { Type: 'AWS::IAM::Role', Properties: roleProperties as never },
      Policy: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: statements }, Roles: [{ Ref: 'Role' }] } as never },
    },
    identity,
  );

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/Users';
const PROFILE = 'arn:aws:bedrock:us-east-1:000000000000:inference-profile/us.amazon.nova-2-lite-v1:0';
const MODEL = (region: string) => `arn:aws:bedrock:${region}::foundation-model/amazon.nova-2-lite-v1:0`;

describe('IAM policy evaluation', () => {
  it('allows exactly the granted field, and nothing to a role without statements', () => {
    const policies = role(allow(['appsync:GraphQL'], [field('Mutation', 'publishPromptEvent')]));
    expect(policies.allows('Role', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe(true);
    expect(policies.allows('Role', 'appsync:GraphQL', field('Mutation', 'sendPrompt'))).toBe(false);
    expect(policies.allows('Other', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe(false);
  });

  it('matches * and ? in resources, and actions case-insensitively', () => {
    const policies = role(allow(['AppSync:*'], [`${API}/types/Mutation/fields/publish*`, `${API}/types/Query/fields/m?Usage`]));
    expect(policies.allows('Role', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe(true);
    expect(policies.allows('Role', 'appsync:GraphQL', field('Query', 'myUsage'))).toBe(true);
    expect(policies.allows('Role', 'appsync:GraphQL', field('Query', 'myyUsage'))).toBe(false);
    expect(policies.allows('Role', 'appsync:GraphQL', `${API}x/types/Mutation/fields/publishPromptEvent`)).toBe(false);
  });

  it('lets an explicit Deny win over any Allow, and says which kind of denial it was', () => {
    const policies = role(allow(['*'], ['*']), deny(['appsync:GraphQL'], [field('Mutation', '*')]));
    expect(policies.decide('Role', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe('explicitDeny');
    expect(policies.decide('Role', 'appsync:GraphQL', field('Query', 'myUsage'))).toBe('allow');
    expect(role().decide('Role', 'appsync:GraphQL', field('Query', 'myUsage'))).toBe('implicitDeny');
  });

  it('never grants through a statement it cannot evaluate, and lets such a Deny apply', () => {
    expect(role(allow(['appsync:GraphQL'], ['*'], ['the condition operator NumericLessThan'])).allows('Role', 'appsync:GraphQL', field('Query', 'myUsage'))).toBe(false);
    expect(role(allow(['*'], ['*']), deny(['dynamodb:*'], ['${aws:username}'], ['a policy variable in the Resource'])).decide('Role', 'dynamodb:GetItem', TABLE)).toBe('explicitDeny');
  });

  it('reads NotAction and NotResource as everything but the listed ones', () => {
    const policies = template([
      { Effect: 'Allow', NotAction: 'dynamodb:Scan', Resource: TABLE },
      { Effect: 'Deny', Action: 'dynamodb:*', NotResource: [TABLE, `${TABLE}/index/*`] },
    ]);
    expect(policies.allows('Role', 'dynamodb:GetItem', TABLE)).toBe(true);
    expect(policies.allows('Role', 'dynamodb:Scan', TABLE)).toBe(false);
    expect(policies.decide('Role', 'dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/Other')).toBe('explicitDeny');
  });

  it('grants a foundation model through a profile only when the request carries that profile (StringEquals)', () => {
    const policies = template([
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: PROFILE },
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: [MODEL('us-east-1'), MODEL('us-west-2')], Condition: { StringEquals: { 'bedrock:InferenceProfileArn': [PROFILE] } } },
    ]);
    expect(policies.allows('Role', 'bedrock:InvokeModel', MODEL('us-west-2'), { 'bedrock:inferenceprofilearn': PROFILE })).toBe(true);
    expect(policies.allows('Role', 'bedrock:InvokeModel', MODEL('us-west-2'))).toBe(false);
    expect(policies.allows('Role', 'bedrock:InvokeModel', MODEL('us-west-2'), { 'bedrock:inferenceprofilearn': PROFILE.replace('us.', 'eu.') })).toBe(false);
    expect(policies.allows('Role', 'bedrock:InvokeModel', MODEL('eu-west-1'), { 'bedrock:inferenceprofilearn': PROFILE })).toBe(false);
  });

  it('evaluates StringLike, ArnLike, the negated operators and …IfExists', () => {
    const policies = template([
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*', Condition: { ArnLike: { 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:*:*:inference-profile/us.*' } } },
      { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE, Condition: { StringLike: { 'dynamodb:EnclosingOperation': 'Transact*' } } },
      { Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*', Condition: { StringEqualsIfExists: { 'dynamodb:EnclosingOperation': 'TransactWriteItems' } } },
    ]);
    expect(policies.allows('Role', 'bedrock:InvokeModel', MODEL('us-east-2'), { 'bedrock:inferenceprofilearn': PROFILE })).toBe(true);
    expect(policies.allows('Role', 'bedrock:InvokeModel', MODEL('us-east-2'), { 'bedrock:inferenceprofilearn': PROFILE.replace('us.', 'eu.') })).toBe(false);
    expect(policies.allows('Role', 'dynamodb:GetItem', TABLE, { 'dynamodb:enclosingoperation': 'TransactGetItems' })).toBe(true);
    expect(policies.allows('Role', 'dynamodb:GetItem', TABLE)).toBe(false);
    // StringNotEquals on a key the request lacks holds, so that Deny applies.
    expect(policies.decide('Role', 'dynamodb:PutItem', TABLE)).toBe('explicitDeny');
    expect(policies.decide('Role', 'dynamodb:PutItem', TABLE, { 'aws:requestedregion': 'us-east-1' })).toBe('allow');
  });

  it('matches ARNs part by part, so a wildcard never crosses a colon into the next part', () => {
    expect(arnLike('arn:aws:bedrock:*::foundation-model/*', MODEL('eu-west-3'))).toBe(true);
    expect(arnLike('arn:aws:bedrock:*::foundation-model/*', 'arn:aws:bedrock:::foundation-model/amazon.nova-2-lite-v1:0')).toBe(true);
    expect(arnLike('arn:aws:bedrock:us-*', MODEL('us-east-1'))).toBe(false);
    expect(arnLike('arn:aws:lambda:us-east-1:000000000000:function:f:*', 'arn:aws:lambda:us-east-1:000000000000:function:f:live')).toBe(true);
    expect(arnLike('*', 'anything')).toBe(true);
  });

  it('takes inline policies, customer-managed policies and the AWS-managed ones it knows, and names what it cannot judge', () => {
    const policies = TemplatePolicies.fromResources(
      {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE }] } }],
            ManagedPolicyArns: [{ Ref: 'Managed' }, 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess'],
          },
        },
        Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${TABLE}/index/*` } } } },
        Odd: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } }] } } },
      } as never,
      identity,
    );
    expect(policies.allows('Role', 'dynamodb:GetItem', TABLE)).toBe(true);
    expect(policies.allows('Role', 'dynamodb:Query', `${TABLE}/index/byEmail`)).toBe(true);
    expect(policies.allows('Role', 'logs:PutLogEvents', 'arn:aws:logs:us-east-1:000000000000:log-group:x')).toBe(true);
    expect(policies.allows('Role', 'dynamodb:Scan', TABLE)).toBe(false);
    expect(policies.notes).toEqual([
      expect.stringContaining('AmazonDynamoDBFullAccess, which the emulator does not know: it grants nothing here'),
      expect.stringMatching(/The policy Odd \(role Role\) uses the condition operator NumericLessThan.*grants nothing here/),
    ]);
  });

  it('treats a permissions boundary it cannot evaluate as denying everything', () => {
    const policies = template([{ Effect: 'Allow', Action: '*', Resource: '*' }], { PermissionsBoundary: 'arn:aws:iam::000000000000:policy/boundary' });
    expect(policies.decide('Role', 'dynamodb:GetItem', TABLE)).toBe('explicitDeny');
    expect(policies.notes).toEqual([expect.stringContaining('a permissions boundary')]);
  });
});
