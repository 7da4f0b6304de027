// GIVEN the Tollgate app with a configuration, WHEN it synthesizes, THEN the template holds
// the API, auth, tables, functions, permissions and resolvers DESIGN.md asks for.
import { App } from 'aws-cdk-lib';
import { print } from 'graphql';
import { SendPromptDocument } from '../../client/generated/operations.ts';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, settingsFrom } from '../../infra/config.ts';
import { TollgateStack, TOKEN_PATTERN } from '../../infra/stack.ts';
import { largestValidPromptBody, WAF_APPSYNC_BODY_LIMIT } from '../../infra/waf.ts';

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
      AdditionalAuthenticationProviders: [{ AuthenticationType: 'API_KEY' }, { AuthenticationType: 'AWS_IAM' }],
      LambdaAuthorizerConfig: { AuthorizerResultTtlInSeconds: 30, IdentityValidationExpression: TOKEN_PATTERN },
      QueryDepthLimit: 10,
      ResolverCountLimit: 10,
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
        PROMPTS_IN_FLIGHT: '3',
        FORWARDED_FOR_HOPS: '1',
        DEFAULT_MODEL: 'us.amazon.nova-2-lite-v1:0',
        MODELS: 'us.amazon.nova-2-lite-v1:0=Amazon Nova 2 Lite',
        USAGE_TABLE: { Ref: Match.anyValue() },
        PROMPTS_TABLE: { Ref: Match.anyValue() },
        USERS_TABLE: { Ref: Match.anyValue() },
        CONVERSATIONS_TABLE: { Ref: Match.anyValue() },
      }),
    });
  });

  it('deploys schema.graphql as it is', () => {
    const schema = Object.values(template.findResources('AWS::AppSync::GraphQLSchema'))[0] as { Properties: { Definition: string } };
    expect(schema.Properties.Definition).toContain('register(email: String!, password: String!): RegisterResult! @aws_api_key');
    expect(schema.Properties.Definition).toContain('type LoginResult @aws_api_key');
  });

  it('runs sendPrompt as the pipeline (input validated in its before step) checkAccess → readContext → reserveQuota → readUsage → findFirst → readmit → openTurn → invokeModel → logPrompt → settle', () => {
    const fns = template.findResources('AWS::AppSync::FunctionConfiguration');
    const nameOf = (ref: { 'Fn::GetAtt': [string, string] }) => (fns[ref['Fn::GetAtt'][0]] as { Properties: { Name: string } }).Properties.Name;
    const [pipeline] = Object.values(template.findResources('AWS::AppSync::Resolver', { Properties: { FieldName: 'sendPrompt' } })) as {
      Properties: { Kind: string; PipelineConfig: { Functions: { 'Fn::GetAtt': [string, string] }[] }; Runtime: { Name: string } };
    }[];
    expect(pipeline!.Properties.Kind).toBe('PIPELINE');
    expect(pipeline!.Properties.Runtime.Name).toBe('APPSYNC_JS');
    expect(pipeline!.Properties.PipelineConfig.Functions.map(nameOf)).toEqual([
      'checkAccess',
      'readContext',
      'reserveQuota',
      'readUsage',
      'findFirst',
      'readmit',
      'openTurn',
      'invokeModel',
      'logPrompt',
      'settle',
    ]);
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
      ['Mutation', 'publishPromptEvent', 'None'],
      ['Subscription', 'onPromptEvent', 'PromptsTable'],
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
  it('run on nodejs24.x, arm64, with timeouts under AppSync’s 30 s, except the stream function’s, which follows its output cap', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Tollgate: ') } })) as {
      Properties: { Architectures: string[]; Timeout: number; Runtime: string };
    }[];
    expect(fns).toHaveLength(5);
    // The CDK's own helpers (log retention) use nodejs24.x in this template too.
    expect(new Set(Object.values(template.findResources('AWS::Lambda::Function')).map((f) => (f as { Properties: { Runtime: string } }).Properties.Runtime))).toEqual(new Set(['nodejs24.x']));
    for (const fn of fns) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      const streams = (fn.Properties as { Description?: string }).Description?.includes('ConverseStream');
      // 4096 output tokens at 20 tokens/s, plus 30 s to the first token (infra/config.ts).
      expect(fn.Properties.Timeout).toBe(streams ? 30 + Math.ceil(4096 / 20) : fn.Properties.Timeout);
      if (!streams) expect(fn.Properties.Timeout).toBeLessThan(30);
    }
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
    template.resourceCountIs('AWS::DynamoDB::Table', 5);
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table')) as { Properties: Record<string, unknown>; DeletionPolicy: string }[]) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.TableName).toBeUndefined();
    }
  });

  it('expire usage counters, prompt logs, conversations and rate-limit windows with a TTL', () => {
    template.resourcePropertiesCountIs('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }, 4);
  });

  it('give resolvers the context budgets and the system prompt’s size, and the model function the system prompt itself', () => {
    const withSystem = synth({ TOLLGATE_SYSTEM_PROMPT: 'Be brief.', TOLLGATE_CONTEXT_BUDGET_TOKENS: '9000' });
    withSystem.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      EnvironmentVariables: Match.objectLike({ CONTEXT_BUDGETS: 'us.amazon.nova-2-lite-v1:0=9000', SYSTEM_PROMPT_BYTES: '9' }),
    });
    withSystem.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Tollgate: calls Bedrock Converse',
      Environment: { Variables: Match.objectLike({ SYSTEM_PROMPT: 'Be brief.' }) },
    });
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', { EnvironmentVariables: Match.objectLike({ CONTEXT_BUDGETS: 'us.amazon.nova-2-lite-v1:0=32000', SYSTEM_PROMPT_BYTES: '0' }) });
  });

  it('index conversations by activity (read consistently), their turns by conversation and seq, and deleted ones for the purge', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'userId', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [Match.objectLike({ IndexName: 'ByActivity', KeySchema: Match.arrayWith([{ AttributeName: 'activity', KeyType: 'RANGE' }]) })],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'ByPurge', Projection: { ProjectionType: 'KEYS_ONLY' } })],
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'ByConversation',
          KeySchema: [
            { AttributeName: 'conversationKey', KeyType: 'HASH' },
            { AttributeName: 'seq', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('are destroyed with a dev stack', () => {
    const dev = synth();
    for (const table of Object.values(dev.findResources('AWS::DynamoDB::Table')) as { DeletionPolicy: string }[]) {
      expect(table.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('the WAF', () => {
  type Rule = { Name: string; Statement: Record<string, unknown>; Priority: number };
  const rulesOf = (t: Template) => {
    const [acl] = Object.values(t.findResources('AWS::WAFv2::WebACL')) as { Properties: { Scope: string; Rules: Rule[] } }[];
    return Object.fromEntries(acl!.Properties.Rules.map((r) => [r.Name, r]));
  };

  it('guards the API with per-IP rate limits (stricter for register/login) and managed rules', () => {
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    const rules = rulesOf(template);
    expect(Object.keys(rules)).toEqual(
      expect.arrayContaining(['AuthRatePerIp', 'RatePerIp', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList']),
    );
    const auth = rules.AuthRatePerIp!.Statement.RateBasedStatement as { Limit: number; AggregateKeyType: string; ScopeDownStatement: unknown };
    const all = rules.RatePerIp!.Statement.RateBasedStatement as { Limit: number };
    expect(auth.AggregateKeyType).toBe('IP');
    expect(auth.Limit).toBeLessThan(all.Limit);
  });

  it('finds register and login in the parsed JSON body’s query, so an escaped \\u006cogin counts too', () => {
    const scopeDown = JSON.stringify((rulesOf(template).AuthRatePerIp!.Statement.RateBasedStatement as { ScopeDownStatement: unknown }).ScopeDownStatement);
    for (const word of ['login', 'register']) {
      expect(scopeDown).toContain(`"SearchString":"${word}"`);
    }
    const matches = JSON.parse(scopeDown) as { OrStatement: { Statements: { OrStatement: { Statements: { ByteMatchStatement: Record<string, unknown> }[] } }[] } };
    const byJsonBody = matches.OrStatement.Statements.map((s) => s.OrStatement.Statements[0]!.ByteMatchStatement);
    for (const match of byJsonBody) {
      expect(match.FieldToMatch).toEqual({ JsonBody: { MatchPattern: { IncludedPaths: ['/query'] }, MatchScope: 'VALUE', InvalidFallbackBehavior: 'MATCH', OversizeHandling: 'CONTINUE' } });
      expect(match.TextTransformations).toEqual([
        { Priority: 0, Type: 'JS_DECODE' },
        { Priority: 1, Type: 'LOWERCASE' },
      ]);
    }
    // The raw body is never matched as text: that is what an escape slipped past.
    expect(scopeDown).not.toContain('"Body":');
  });

  it('has no body-size rule when a valid prompt can be larger than what WAF inspects', () => {
    expect(largestValidPromptBody({ maxPromptChars: 4000 })).toBeGreaterThan(WAF_APPSYNC_BODY_LIMIT);
    expect(rulesOf(template).BodySize).toBeUndefined();
  });

  it('derives the body-size rule from the prompt limit where WAF sees the whole request', () => {
    const rules = rulesOf(synth({ TOLLGATE_MAX_PROMPT_CHARS: '300' }));
    const needed = largestValidPromptBody({ maxPromptChars: 300 });
    expect(needed).toBeLessThanOrEqual(WAF_APPSYNC_BODY_LIMIT);
    // The SDK's own sendPrompt request with 300 emoji and a 128-emoji key, from a client that escapes
    // everything non-ASCII (as Python's json.dumps does): still let through.
    const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const body = asciiJson({
      query: print(SendPromptDocument),
      operationName: 'SendPrompt',
      variables: { prompt: '😀'.repeat(300), options: { model: 'cohere.command-r-plus-v1:0', maxTokens: 1024, temperature: 0.5 }, idempotencyKey: '😀'.repeat(128) },
    });
    expect(needed).toBeGreaterThanOrEqual(Buffer.byteLength(body));
    expect(rules.BodySize!.Statement.SizeConstraintStatement).toMatchObject({ ComparisonOperator: 'GT', Size: needed });
  });

  it('refuses at synth a body limit that could block a valid prompt', () => {
    expect(() => synth({ TOLLGATE_WAF_MAX_BODY_BYTES: '8192' })).toThrow(/TOLLGATE_WAF_MAX_BODY_BYTES \(8192\) would block valid prompts.*more than the 8192 bytes AWS WAF inspects/);
    expect(() => synth({ TOLLGATE_WAF_MAX_BODY_BYTES: '4000', TOLLGATE_MAX_PROMPT_CHARS: '300' })).toThrow(/Set at least \d+/);
    expect(rulesOf(synth({ TOLLGATE_WAF_MAX_BODY_BYTES: '8192', TOLLGATE_MAX_PROMPT_CHARS: '300' })).BodySize!.Statement.SizeConstraintStatement).toMatchObject({ Size: 8192 });
  });

  it('keeps managed rules that would break GraphQL bodies (prompts with markup or paths) in count mode', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              RuleActionOverrides: Match.arrayWith([
                { Name: 'NoUserAgent_HEADER', ActionToUse: { Count: {} } },
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
    expect(JSON.stringify(statements)).not.toMatch(/UsageTable|PromptsTable|RateLimits/);
  });

  it('gives only the auth function the rate-limits table', () => {
    for (const fragment of ['AuthorizerFunction', 'ModelFunction', 'Api']) {
      expect(JSON.stringify(statementsOf(fragment))).not.toContain('RateLimitsTable');
    }
    const onLimits = statementsOf('AuthFunction').filter((st) => JSON.stringify(st.Resource).includes('RateLimitsTable'));
    expect(onLimits.flatMap((st) => st.Action)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  it('lets the model function write a prompt’s record and settle its usage, and nothing else in a table', () => {
    const dynamo = statementsOf('ModelFunction').filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([
      [['dynamodb:PutItem', 'dynamodb:GetItem'], expect.stringContaining('PromptsTable')],
      ['dynamodb:UpdateItem', expect.stringContaining('UsageTable')],
    ]);
  });

  it('lets the reconciler query only its indexes, settle, and purge deleted conversations', () => {
    const dynamo = statementsOf('ReconcilerFunction').filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([
      [['dynamodb:PutItem', 'dynamodb:GetItem'], expect.stringContaining('PromptsTable')],
      [['dynamodb:GetItem', 'dynamodb:UpdateItem'], expect.stringContaining('UsageTable')],
      ['dynamodb:Query', expect.stringMatching(/UsageTable.*\/index\/ByLeaseDue/)],
      ['dynamodb:DeleteItem', expect.stringContaining('ConversationsTable')],
      ['dynamodb:DeleteItem', expect.stringContaining('PromptsTable')],
      ['dynamodb:Query', expect.stringMatching(/ConversationsTable.*\/index\/ByPurge.*PromptsTable.*\/index\/ByConversation/)],
    ]);
  });

  it('gives the stream function the settling writes, the claim item’s snapshot and streamed Bedrock calls, and startPrompt an Event invocation of it', () => {
    const dynamo = statementsOf('StreamFunction').filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([
      [['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], expect.stringContaining('PromptsTable')],
      ['dynamodb:UpdateItem', expect.stringContaining('UsageTable')],
    ]);
    template.hasResourceProperties('AWS::AppSync::DataSource', { Name: 'StreamFunction', Type: 'AWS_LAMBDA' });
    template.hasResourceProperties('AWS::AppSync::FunctionConfiguration', { Name: 'invokeStream', DataSourceName: 'StreamFunction' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Tollgate: streams Bedrock ConverseStream answers through publishPromptEvent',
      Environment: { Variables: Match.objectLike({ STREAM_BATCH_MS: '250', STREAM_TIMEOUT_MS: String((30 + Math.ceil(4096 / 20)) * 1000) }) },
    });
  });

  it('lets only the stream function call the API, and only publishPromptEvent, with the URL in its environment', () => {
    const appsyncStatements = (fragment: string) => statementsOf(fragment).filter((s) => JSON.stringify(s.Action).includes('appsync:'));
    expect(appsyncStatements('AuthorizerFunction')).toEqual([]);
    expect(appsyncStatements('AuthFunction')).toEqual([]);
    expect(appsyncStatements('ModelFunction')).toEqual([]);
    const [grant, ...others] = appsyncStatements('StreamFunction');
    expect(others).toEqual([]);
    expect(grant).toMatchObject({ Action: 'appsync:GraphQL', Effect: 'Allow' });
    const resource = grant!.Resource as { 'Fn::Join': [string, unknown[]] };
    const parts = resource['Fn::Join'][1];
    expect(parts.at(-1)).toBe('/types/Mutation/fields/publishPromptEvent');
    expect(parts).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Api/), 'ApiId'] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Tollgate: streams Bedrock ConverseStream answers through publishPromptEvent',
      Environment: { Variables: Match.objectLike({ GRAPHQL_URL: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Api'), 'GraphQLUrl'] } }) },
    });
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
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '"tollgateEvent" "TokenOverrun"', MetricTransformations: [Match.objectLike({ MetricName: 'TokenOverruns' })] });
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '"registrationCeiling"', MetricTransformations: [Match.objectLike({ MetricName: 'RegistrationCeiling' })] });
    for (const name of ['TokenOverruns', 'RegistrationCeiling']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: name, Threshold: 1, AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }] });
    }
    for (const metric of ['Errors', 'Throttles']) {
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metric, Namespace: 'AWS/Lambda' } }))).toHaveLength(5);
    }
  });

  it('runs the reconciler every minute, counts its repairs with an alarm, and sends it failed asynchronous model events', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReconcilerFunction'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.tollgateEvent = "Reconciled" }',
      MetricTransformations: [Match.objectLike({ MetricName: 'Reconciled', MetricValue: '$.repaired' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Reconciled', Threshold: 1, AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }] });
    // startPrompt's asynchronous invocations: no retry, a minute's age, failures to the reconciler.
    for (const fn of ['ModelFunction', 'StreamFunction']) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(fn) },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReconcilerFunction'), 'Arn'] } } },
      });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'ByLeaseDue',
          KeySchema: [
            { AttributeName: 'leaseShard', KeyType: 'HASH' },
            { AttributeName: 'leaseDue', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
      ],
    });
  });

  it('logs resolver events and errors but never arguments or context (prompt text)', () => {
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', { LogConfig: Match.objectLike({ FieldLogLevel: 'INFO', ExcludeVerboseContent: true }) });
  });

  it('sizes the model function for waiting and the auth function for bcrypt', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } })) as { Properties: { Description: string; MemorySize: number } }[];
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

describe('deploy hygiene', () => {
  it('expires the public API key at most 364 days after synth, so AppSync’s 365-day limit holds at deploy', () => {
    const before = Date.now();
    const [key] = Object.values(synth().findResources('AWS::AppSync::ApiKey')) as { Properties: { Expires: number } }[];
    const after = Date.now();
    // Set when the stack was built: 364 days after a moment between before and after (to the second).
    const setAt = key!.Properties.Expires * 1000 - 364 * 86_400_000;
    expect(setAt).toBeGreaterThanOrEqual(before - 1000);
    expect(setAt).toBeLessThanOrEqual(after + 1000);
  });

  it('lets only this API invoke the authorizer (SourceArn)', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'appsync.amazonaws.com' } })) as {
      Properties: { FunctionName: { 'Fn::GetAtt': string[] }; SourceArn?: unknown };
    }[];
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties.FunctionName['Fn::GetAtt'][0]).toMatch(/^AuthorizerFunction/);
    expect(permissions[0]!.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Api/), 'Arn'] });
  });

  it('gives each AppSync data source role only the DynamoDB actions its resolvers use', () => {
    const roleOf = (name: string) => {
      const [source] = Object.values(template.findResources('AWS::AppSync::DataSource', { Properties: { Name: name } })) as { Properties: { ServiceRoleArn: { 'Fn::GetAtt': string[] } } }[];
      const roleId = source!.Properties.ServiceRoleArn['Fn::GetAtt'][0]!;
      const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
      return policies
        .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .map((s) => ({ actions: [s.Action].flat().sort(), table: JSON.stringify(s.Resource).match(/(\w+)Table/)![1] }));
    };
    // checkAccess's TransactGetItems reads the account and the caller's conversation header (GetItem each).
    expect(roleOf('UsersTable')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], table: 'Users' },
      { actions: ['dynamodb:GetItem'], table: 'Conversations' },
    ]);
    expect(roleOf('UsageTable')).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], table: 'Usage' }]);
    expect(roleOf('PromptsTable')).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], table: 'Prompts' },
      { actions: ['dynamodb:Query'], table: 'Prompts' },
      // startPrompt's claimAccess checks the account and the conversation in its transaction.
      { actions: ['dynamodb:ConditionCheckItem'], table: 'Users' },
      { actions: ['dynamodb:ConditionCheckItem'], table: 'Conversations' },
    ]);
    expect(roleOf('ConversationsTable')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], table: 'Conversations' },
      { actions: ['dynamodb:Query'], table: 'Conversations' },
    ]);
    const everything = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(everything).not.toMatch(/dynamodb:(Scan|BatchWriteItem|BatchGetItem|\*)/);
  });

  it('gives the auth function no UpdateItem on the Users table it never updates', () => {
    const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('AuthFunction'))
      .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const onUsers = statements.filter((s) => JSON.stringify(s.Resource).includes('UsersTable')).flatMap((s) => [s.Action].flat());
    expect(onUsers.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
  });

  it('reserves concurrency for the model function only when asked', () => {
    const modelFn = (t: Template) =>
      (Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Description: 'Tollgate: calls Bedrock Converse' } }))[0] as { Properties: { ReservedConcurrentExecutions?: number } }).Properties;
    expect(modelFn(template).ReservedConcurrentExecutions).toBeUndefined();
    expect(modelFn(synth({ TOLLGATE_MODEL_RESERVED_CONCURRENCY: '40' })).ReservedConcurrentExecutions).toBe(40);
  });

  it('turns introspection off outside dev and X-Ray on when asked', () => {
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', { IntrospectionConfig: 'DISABLED', XrayEnabled: false });
    synth().hasResourceProperties('AWS::AppSync::GraphQLApi', { IntrospectionConfig: 'ENABLED' });
    const traced = synth({ TOLLGATE_TRACING: 'true' });
    traced.hasResourceProperties('AWS::AppSync::GraphQLApi', { XrayEnabled: true });
    traced.hasResourceProperties('AWS::Lambda::Function', { Description: 'Tollgate: calls Bedrock Converse', TracingConfig: { Mode: 'Active' } });
  });

  it('refuses alarm-topic publishers that do not use TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});
