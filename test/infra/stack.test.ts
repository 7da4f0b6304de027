// GIVEN the Tollgate app with a configuration, WHEN it synthesizes, THEN the template holds
// the API, auth, tables, functions, permissions and resolvers DESIGN.md asks for.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, settingsFrom } from '../../infra/config.ts';
import { TollgateStack, TOKEN_PATTERN } from '../../infra/stack.ts';

function synth(env: Record<string, string> = {}): Template {
  const app = new App();
  const config = loadConfig(settingsFrom(() => undefined, env));
  return Template.fromStack(new TollgateStack(app, 'Test', { config }));
}

let template: Template;
beforeAll(() => {
  template = synth({ TOLLGATE_DAILY_PROMPT_LIMIT: '42', TOLLGATE_AUTHORIZER_CACHE_TTL_SECONDS: '30', TOLLGATE_STAGE: 'prod' });
});

describe('the AppSync API', () => {
  it('defaults to the Lambda authorizer, adds the API key, caches briefly and rejects non-JWTs before invoking', () => {
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      AuthenticationType: 'AWS_LAMBDA',
      AdditionalAuthenticationProviders: [{ AuthenticationType: 'API_KEY' }],
      LambdaAuthorizerConfig: { AuthorizerResultTtlInSeconds: 30, IdentityValidationExpression: TOKEN_PATTERN },
      QueryDepthLimit: 10,
    });
    const regex = new RegExp(TOKEN_PATTERN);
    expect(regex.test('Bearer aaaaaaaaaaaa.bbbbbbbbbbbb.cccccccccccc')).toBe(true);
    expect(regex.test('aaaaaaaaaaaa.bbbbbbbbbbbb.cccccccccccc')).toBe(true);
    expect(regex.test('Basic dXNlcjpwYXNz')).toBe(false);
    expect(regex.test("Bearer a.b.c' OR 1=1")).toBe(false);
  });

  it('passes the limits to resolvers as environment variables', () => {
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      EnvironmentVariables: Match.objectLike({
        DAILY_PROMPT_LIMIT: '42',
        PROMPTS_PER_MINUTE: '10',
        DEFAULT_MODEL: 'cohere.command-r-v1:0',
        USAGE_TABLE: { Ref: Match.anyValue() },
        PROMPTS_TABLE: { Ref: Match.anyValue() },
      }),
    });
  });

  it('deploys schema.graphql as it is', () => {
    const schema = Object.values(template.findResources('AWS::AppSync::GraphQLSchema'))[0] as { Properties: { Definition: string } };
    expect(schema.Properties.Definition).toContain('register(email: String!, password: String!): RegisterResult! @aws_api_key');
    expect(schema.Properties.Definition).toContain('type LoginResult @aws_api_key');
  });

  it('runs sendPrompt as the pipeline validateInput → reserveQuota → invokeModel → settle', () => {
    const fns = template.findResources('AWS::AppSync::FunctionConfiguration');
    const nameOf = (ref: { 'Fn::GetAtt': [string, string] }) => (fns[ref['Fn::GetAtt'][0]] as { Properties: { Name: string } }).Properties.Name;
    const [pipeline] = Object.values(template.findResources('AWS::AppSync::Resolver', { Properties: { FieldName: 'sendPrompt' } })) as {
      Properties: { Kind: string; PipelineConfig: { Functions: { 'Fn::GetAtt': [string, string] }[] }; Runtime: { Name: string } };
    }[];
    expect(pipeline!.Properties.Kind).toBe('PIPELINE');
    expect(pipeline!.Properties.Runtime.Name).toBe('APPSYNC_JS');
    expect(pipeline!.Properties.PipelineConfig.Functions.map(nameOf)).toEqual(['validateInput', 'reserveQuota', 'invokeModel', 'settle']);
  });

  it('has an APPSYNC_JS resolver for every other operation', () => {
    for (const [type, field, source] of [
      ['Mutation', 'register', 'AuthFunction'],
      ['Mutation', 'login', 'AuthFunction'],
      ['Query', 'myUsage', 'UsageTable'],
      ['Query', 'myPrompts', 'PromptsTable'],
      ['Mutation', 'deletePrompt', 'PromptsTable'],
      ['Mutation', 'logoutEverywhere', 'UsersTable'],
      ['Query', 'models', 'None'],
    ]) {
      template.hasResourceProperties('AWS::AppSync::Resolver', {
        TypeName: type,
        FieldName: field,
        Kind: 'UNIT',
        DataSourceName: source,
        Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
      });
    }
  });
});

describe('the functions', () => {
  it('run on nodejs22.x, arm64, with timeouts under AppSync’s 30 s', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' } })) as {
      Properties: { Architectures: string[]; Timeout: number };
    }[];
    expect(fns).toHaveLength(3);
    for (const fn of fns) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Timeout).toBeLessThan(30);
    }
  });

  it('may invoke only the allowed Bedrock models', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            Resource: [
              { 'Fn::Join': ['', Match.arrayWith([':bedrock:', '::foundation-model/cohere.command-r-v1:0'])] },
              { 'Fn::Join': ['', Match.arrayWith([':bedrock:', '::foundation-model/cohere.command-r-plus-v1:0'])] },
            ],
          }),
        ]),
      },
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('"bedrock:*"');
    expect(policies).not.toMatch(/foundation-model\/\*/);
  });

  it('read the signing key from a generated ≥ 256-bit secret and never get it as plain config', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JWT_SECRET_ARN: { Ref: Match.stringLikeRegexp('JwtSecret') } }) },
    });
  });
});

describe('the tables', () => {
  it('are on-demand, with point-in-time recovery, kept when the stack goes (outside dev)', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 4);
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table')) as { Properties: Record<string, unknown>; DeletionPolicy: string }[]) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.TableName).toBeUndefined();
    }
  });

  it('expire usage counters, prompt logs and login attempts with a TTL', () => {
    template.resourcePropertiesCountIs('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }, 3);
  });

  it('are destroyed with a dev stack', () => {
    const dev = synth();
    for (const table of Object.values(dev.findResources('AWS::DynamoDB::Table')) as { DeletionPolicy: string }[]) {
      expect(table.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('the WAF', () => {
  it('guards the API with per-IP rate limits (stricter for register/login), a body cap and managed rules', () => {
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL')) as { Properties: { Scope: string; Rules: { Name: string; Statement: Record<string, unknown>; Priority: number }[] } }[];
    expect(acl!.Properties.Scope).toBe('REGIONAL');
    const rules = Object.fromEntries(acl!.Properties.Rules.map((r) => [r.Name, r]));
    expect(Object.keys(rules)).toEqual(
      expect.arrayContaining(['AuthRatePerIp', 'RatePerIp', 'BodySize', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList']),
    );
    const auth = rules.AuthRatePerIp!.Statement.RateBasedStatement as { Limit: number; AggregateKeyType: string; ScopeDownStatement: unknown };
    const all = rules.RatePerIp!.Statement.RateBasedStatement as { Limit: number };
    expect(auth.AggregateKeyType).toBe('IP');
    expect(auth.Limit).toBeLessThan(all.Limit);
    expect(JSON.stringify(auth.ScopeDownStatement)).toContain('"SearchString":"login"');
    expect(rules.BodySize!.Statement.SizeConstraintStatement).toMatchObject({ ComparisonOperator: 'GT', Size: 8192 });
  });

  it('keeps managed rules that would break GraphQL bodies (prompts with markup or paths) in count mode', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              RuleActionOverrides: Match.arrayWith([
                { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
                { Name: 'CrossSiteScripting_BODY', ActionToUse: { Count: {} } },
              ]),
            }),
          },
        }),
      ]),
    });
  });
});

describe('least privilege', () => {
  const statementsOf = (roleFragment: string) => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith(roleFragment));
    return policies.flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
  };

  it('lets the authorizer read one user item and the signing secret, nothing else', () => {
    const statements = statementsOf('AuthorizerFunction');
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect(actions).toEqual(['dynamodb:GetItem', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(JSON.stringify(statements)).toContain('UsersTable');
    expect(JSON.stringify(statements)).not.toMatch(/UsageTable|PromptsTable|LoginAttempts/);
  });

  it('gives only the auth function the login-attempts table', () => {
    for (const fragment of ['AuthorizerFunction', 'ModelFunction', 'Api']) {
      expect(JSON.stringify(statementsOf(fragment))).not.toContain('LoginAttemptsTable');
    }
    expect(JSON.stringify(statementsOf('AuthFunction'))).toContain('LoginAttemptsTable');
  });
});

describe('operations', () => {
  it('turns refusals, model errors and authorizer denials into metrics with alarms to one topic', () => {
    for (const [name, term] of [
      ['QuotaRejections', 'QuotaExceeded'],
      ['RateLimited', 'RateLimited'],
      ['ModelErrors', 'ModelError'],
    ]) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: `"tollgateEvent" "${term}"`,
        MetricTransformations: [Match.objectLike({ MetricName: name, MetricNamespace: 'Tollgate/prod', MetricValue: '1' })],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: name, Namespace: 'Tollgate/prod', AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }] });
    }
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '"msg" "denied"', MetricTransformations: [Match.objectLike({ MetricName: 'AuthorizerDenials' })] });
    for (const metric of ['Errors', 'Throttles']) {
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metric, Namespace: 'AWS/Lambda' } }))).toHaveLength(3);
    }
  });

  it('logs resolver events and errors but never arguments or context (prompt text)', () => {
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', { LogConfig: Match.objectLike({ FieldLogLevel: 'INFO', ExcludeVerboseContent: true }) });
  });

  it('sizes the model function for waiting and the auth function for bcrypt', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })) as { Properties: { Description: string; MemorySize: number } }[];
    const memoryOf = (what: string) => fns.find((f) => f.Properties.Description.includes(what))!.Properties.MemorySize;
    expect(memoryOf('Bedrock')).toBeLessThanOrEqual(256);
    expect(memoryOf('register and login')).toBeGreaterThanOrEqual(1024);
  });
});

describe('bcrypt', () => {
  it('keeps the configured cost in the deployable template: 10 by default, never less (tests lower it only inside their emulator)', () => {
    const costOf = (t: Template) =>
      (Object.values(t.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables?: Record<string, string> } } }[])
        .map((f) => f.Properties.Environment?.Variables?.BCRYPT_COST)
        .filter((c) => c !== undefined);
    expect(costOf(template)).toEqual(['10']);
    expect(costOf(synth({ TOLLGATE_BCRYPT_COST: '12' }))).toEqual(['12']);
    expect(() => synth({ TOLLGATE_BCRYPT_COST: '4' })).toThrow('TOLLGATE_BCRYPT_COST (context "bcryptCost") must be an integer from 10 to 15. Received: "4"');
  });
});

describe('a Bedrock guardrail', () => {
  it('is passed to the model function and allowed in IAM when configured, and absent otherwise', () => {
    const guarded = synth({ TOLLGATE_GUARDRAIL_ID: 'abc123def456', TOLLGATE_GUARDRAIL_VERSION: '2' });
    guarded.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ GUARDRAIL_ID: 'abc123def456', GUARDRAIL_VERSION: '2' }) },
    });
    expect(JSON.stringify(guarded.findResources('AWS::IAM::Policy'))).toContain('bedrock:ApplyGuardrail');
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('bedrock:ApplyGuardrail');
  });
});

describe('the authorizer cache', () => {
  it('can be turned off, so revocations apply at once', () => {
    const uncached = synth({ TOLLGATE_AUTHORIZER_CACHE_TTL_SECONDS: '0' });
    uncached.hasResourceProperties('AWS::AppSync::GraphQLApi', { LambdaAuthorizerConfig: Match.objectLike({ AuthorizerResultTtlInSeconds: 0 }) });
    uncached.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ AUTHORIZER_CACHE_TTL_SECONDS: '0' }) } });
  });
});
