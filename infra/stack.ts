// The Tollgate stack: AppSync (Lambda authorizer + API key + IAM), five Lambdas, four tables,
// the JWT signing secret and the resolvers derived from resolvers/.
import { CfnOutput, Duration, Expiration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { bundleFunction, bundleResolver, ROOT } from './bundle.ts';
import { formatContextBudgets, formatModels, systemPromptBytes, type TollgateConfig } from './config.ts';
import { applicationProfilesMetadata, modelGrants } from './model-access.ts';
import { acknowledgeNagFindings } from './nag.ts';
import { appSyncSchema, discoverResolvers } from './resolvers.ts';
import { webAclRules } from './waf.ts';

export interface TollgateStackProps extends StackProps {
  config: TollgateConfig;
}

/** Tokens look like JWTs, optionally after "Bearer "; anything else never reaches the authorizer. */
export const TOKEN_PATTERN = '^(Bearer )?[A-Za-z0-9_-]{10,1024}\\.[A-Za-z0-9_-]{10,1024}\\.[A-Za-z0-9_-]{10,512}$';

export class TollgateStack extends Stack {
  constructor(scope: Construct, id: string, props: TollgateStackProps) {
    // Bound to the configured Region (see infra/app.ts), so model ARNs are plain strings.
    super(scope, id, { ...props, env: props.env ?? { region: props.config.region } });
    // The authorizer's invoke permission names this API (SourceArn), not any AppSync API.
    this.node.setContext(cxapi.APPSYNC_GRAPHQLAPI_SCOPE_LAMBDA_FUNCTION_PERMISSION, true);
    const { config } = props;
    const dev = config.stage === 'dev';
    const removalPolicy = dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    const tableDefaults = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
    } as const;
    const users = new dynamodb.Table(this, 'UsersTable', {
      ...tableDefaults,
      partitionKey: { name: 'email', type: dynamodb.AttributeType.STRING },
    });
    const usage = new dynamodb.Table(this, 'UsageTable', {
      ...tableDefaults,
      partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'day', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    // The reconciler's sparse index: only usage items holding in-flight leases have leaseShard and
    // leaseDue (the earliest lease's end, or earlier), so a query per shard finds what needs
    // settling without a scan. Keys only: the reconciler reads the item itself, consistently.
    usage.addGlobalSecondaryIndex({
      indexName: 'ByLeaseDue',
      partitionKey: { name: 'leaseShard', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'leaseDue', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    const prompts = new dynamodb.Table(this, 'PromptsTable', {
      ...tableDefaults,
      partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    // A conversation's turns are its prompts' log records: this sparse index holds the records that
    // carry conversationKey (`<userId>#<conversation id>`, so the owner is part of every lookup)
    // ordered by seq, so a prompt reads its context, and a client its turns, with one Query. Global,
    // as a local index cannot be added to an existing table; its reads are eventually consistent
    // ("All reads from GSIs and streams are eventually consistent",
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html,
    // checked 2026-11-30; README, Conversations).
    prompts.addGlobalSecondaryIndex({
      indexName: 'ByConversation',
      partitionKey: { name: 'conversationKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'seq', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // Conversation headers (title, turn count, activity) under the owner's id. ByActivity lists a
    // user's conversations most recently active first (a local index: read consistently, and
    // sparse, as a deleted conversation loses its `activity`; it limits a user's headers to 10 GB,
    // "a 10 GB size limit per partition key value",
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html, checked
    // 2026-11-30); ByPurge names deleted ones whose turns the reconciler still has to purge.
    const conversations = new dynamodb.Table(this, 'ConversationsTable', {
      ...tableDefaults,
      partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    conversations.addLocalSecondaryIndex({
      indexName: 'ByActivity',
      sortKey: { name: 'activity', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    conversations.addGlobalSecondaryIndex({
      indexName: 'ByPurge',
      partitionKey: { name: 'purge', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'deletedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    // Window counters for registrations and logins per source IP and failed logins per email and
    // client; only the auth function reads or writes it.
    const rateLimits = new dynamodb.Table(this, 'RateLimitsTable', {
      ...tableDefaults,
      partitionKey: { name: 'key', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });

    // ≥ 256 bits: 64 characters from a 62-symbol alphabet is ~381 bits.
    const jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: 'Tollgate JWT signing key (HS256). Rotate by putting a new value: the previous one stays valid.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });

    const issuer = `tollgate-${config.stage}`;
    const tokenEnv = {
      JWT_SECRET_ARN: jwtSecret.secretArn,
      TOKEN_ISSUER: issuer,
      TOKEN_AUDIENCE: `${issuer}-api`,
    };

    const fn = (
      name: string,
      props: { memoryMb: number; timeout: Duration; env: Record<string, string>; description: string; files?: string[]; reservedConcurrency?: number },
    ) =>
      new lambda.Function(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        // nodejs24.x: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (checked
        // 2026-11-30); CDK's own helper functions in this template use it too (aws-cdk v2.259.0).
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(bundleFunction(name, props.files)),
        memorySize: props.memoryMb,
        timeout: props.timeout,
        ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
        tracing: config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
        description: props.description,
        environment: { NODE_OPTIONS: '--enable-source-maps', STAGE: config.stage, ...props.env },
        loggingFormat: lambda.LoggingFormat.JSON,
        logGroup: new logs.LogGroup(this, `${name[0]!.toUpperCase()}${name.slice(1)}Logs`, {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      });

    const authorizer = fn('authorizer', {
      memoryMb: 256,
      timeout: Duration.seconds(5),
      description: 'Tollgate: verifies the JWT and the user’s token version',
      env: { ...tokenEnv, AUTHORIZER_CACHE_TTL_SECONDS: String(config.authorizerCacheTtlSeconds) },
    });
    const auth = fn('auth', {
      memoryMb: 1024, // bcrypt is CPU-bound, and Lambda CPU scales with memory
      timeout: Duration.seconds(10),
      description: 'Tollgate: register and login',
      files: ['common-passwords.txt'],
      env: {
        ...tokenEnv,
        TOKEN_TTL_SECONDS: String(config.tokenTtlSeconds),
        BCRYPT_COST: String(config.bcryptCost),
        LOGIN_MAX_FAILURES: String(config.loginMaxFailures),
        LOGIN_EMAIL_MAX_FAILURES: String(config.loginEmailMaxFailures),
        LOGIN_WINDOW_SECONDS: String(config.loginWindowSeconds),
        LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: String(config.loginAttemptsPerIpPerMinute),
        REGISTRATIONS_PER_IP_PER_HOUR: String(config.registrationsPerIpPerHour),
        REGISTRATIONS_PER_HOUR: String(config.registrationsPerHour),
      },
    });
    const model = fn('model', {
      // 128 MB: it waits on Bedrock, and that wait is most of the stack's Lambda bill (npm run bench,
      // "Model function memory": halving the memory halves the wait's cost). RSS after init is
      // ~57 MB locally. Lambda's CPU share halves too, which slows only init and request signing: confirm
      // the first call's latency on AWS.
      memoryMb: 128,
      timeout: Duration.seconds(config.modelTimeoutSeconds + 3),
      description: 'Tollgate: calls Bedrock Converse',
      // Off by default: an account needs 100 unreserved beyond it, and new accounts' quota can be 10.
      reservedConcurrency: config.modelReservedConcurrency,
      env: {
        MODEL_TIMEOUT_MS: String(config.modelTimeoutSeconds * 1000),
        ...(config.systemPrompt ? { SYSTEM_PROMPT: config.systemPrompt } : {}),
        ...(config.bedrockRegion ? { BEDROCK_REGION: config.bedrockRegion } : {}),
        ...(config.guardrailId ? { GUARDRAIL_ID: config.guardrailId, GUARDRAIL_VERSION: config.guardrailVersion } : {}),
      },
    });

    // Streamed prompts (startPrompt) get their own function: it may run past AppSync's 30 s,
    // which the blocking path's must not. Same memory choice as the model function (it waits on
    // Bedrock); its timeout follows its output cap (infra/config.ts streamTimeoutSeconds).
    const stream = fn('stream', {
      memoryMb: 128,
      timeout: Duration.seconds(config.streamTimeoutSeconds),
      description: 'Tollgate: streams Bedrock ConverseStream answers through publishPromptEvent',
      reservedConcurrency: config.modelReservedConcurrency,
      env: {
        STREAM_TIMEOUT_MS: String(config.streamTimeoutSeconds * 1000),
        STREAM_BATCH_MS: String(config.streamBatchMs),
        ...(config.systemPrompt ? { SYSTEM_PROMPT: config.systemPrompt } : {}),
        ...(config.bedrockRegion ? { BEDROCK_REGION: config.bedrockRegion } : {}),
        ...(config.guardrailId ? { GUARDRAIL_ID: config.guardrailId, GUARDRAIL_VERSION: config.guardrailVersion } : {}),
      },
    });

    const reconciler = fn('reconciler', {
      memoryMb: 256,
      timeout: Duration.seconds(25),
      description: 'Tollgate: settles prompts whose request ended before settling them',
      // STREAM_TIMEOUT_SECONDS: deleted conversations wait out their streamed turns (reconciler/purge.ts).
      env: { PROMPT_RETENTION_DAYS: String(config.promptRetentionDays), RECONCILE_GRACE_SECONDS: '30', STREAM_TIMEOUT_SECONDS: String(config.streamTimeoutSeconds) },
    });
    // Every minute: a prompt left half-done is settled within its lease (30 s), the grace (30 s)
    // and one period, about two minutes.
    new events.Rule(this, 'ReconcileSchedule', {
      description: 'Tollgate: run the reconciler',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new eventTargets.LambdaFunction(reconciler, { retryAttempts: 2, maxEventAge: Duration.minutes(1) })],
    });
    // Asynchronous invocations of the model function (streamed prompts) are not retried by Lambda:
    // a user waits on the stream now, and an attempt a minute later would run the model for no
    // one (and, without its lease, be settled by the reconciler meanwhile). A failed or expired
    // event goes to the reconciler at once, which settles its prompt from the event: refunded when
    // Lambda never ran it, charged by the timeout rule otherwise. Events older than a minute
    // (Lambda's smallest maximum age) have no listener left.
    model.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      onFailure: new lambdaDestinations.LambdaDestination(reconciler, { responseOnly: false }),
    });
    // The stream function is what startPrompt invokes asynchronously, for the same reasons: no
    // retry (a second attempt would stream the answer again to a user who saw the first one fail,
    // and Bedrock would bill it twice), events older than a minute dropped (the user who started
    // it has given up by then; lib/prompt.ts STREAM_EVENT_AGE_MS sizes the lease to match), and
    // what Lambda gives up on settled at once by the reconciler (refunded if it never ran).
    stream.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      onFailure: new lambdaDestinations.LambdaDestination(reconciler, { responseOnly: false }),
    });

    // Only the two token functions read the signing secret.
    jwtSecret.grantRead(authorizer);
    jwtSecret.grantRead(auth);
    // Each function gets a table's name and exactly the item actions it uses, in one call, so
    // the grant and the configuration cannot drift apart.
    const bind = (fn: lambda.Function, envName: string, table: dynamodb.Table, actions: ('GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem')[]) => {
      fn.addEnvironment(envName, table.tableName);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
    };
    bind(authorizer, 'USERS_TABLE', users, ['GetItem']);
    bind(auth, 'USERS_TABLE', users, ['GetItem', 'PutItem']);
    bind(auth, 'RATE_LIMITS_TABLE', rateLimits, ['GetItem', 'UpdateItem']);
    // Settling (functions/commons/settle.ts): the log record, then the usage change.
    bind(model, 'PROMPTS_TABLE', prompts, ['PutItem', 'GetItem']);
    bind(model, 'USAGE_TABLE', usage, ['UpdateItem']);
    // The same settling, plus UpdateItem on the Prompts table for the answer so far (the claim item).
    bind(stream, 'PROMPTS_TABLE', prompts, ['PutItem', 'GetItem', 'UpdateItem']);
    bind(stream, 'USAGE_TABLE', usage, ['UpdateItem']);
    bind(reconciler, 'PROMPTS_TABLE', prompts, ['PutItem', 'GetItem']);
    bind(reconciler, 'USAGE_TABLE', usage, ['GetItem', 'UpdateItem']);
    // The reconciler queries its index, never the table.
    reconciler.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${usage.tableArn}/index/ByLeaseDue`] }));
    // Purging deleted conversations (functions/reconciler/purge.ts): find them, find their turns,
    // delete the turns' records, then the header.
    bind(reconciler, 'CONVERSATIONS_TABLE', conversations, ['DeleteItem']);
    reconciler.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [prompts.tableArn] }));
    reconciler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${conversations.tableArn}/index/ByPurge`, `${prompts.tableArn}/index/ByConversation`] }),
    );
    if (config.guardrailId) {
      const guardrailArn = config.guardrailId.startsWith('arn:')
        ? config.guardrailId
        : `arn:${this.partition}:bedrock:${config.bedrockRegion || this.region}:${this.account}:guardrail/${config.guardrailId}`;
      model.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [guardrailArn] }));
      stream.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [guardrailArn] }));
    }
    const bedrockRegion = config.bedrockRegion || this.region;
    // What each application inference profile wraps is not in its ARN; the emulator reads it here
    // to authorize the models behind it as Bedrock does.
    const profiles = applicationProfilesMetadata(config.models);
    if (profiles) {
      (model.node.defaultChild as lambda.CfnFunction).addMetadata(profiles.key, profiles.value);
      (stream.node.defaultChild as lambda.CfnFunction).addMetadata(profiles.key, profiles.value);
    }
    // Converse is authorized as bedrock:InvokeModel, ConverseStream as
    // bedrock:InvokeModelWithResponseStream (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
    for (const grant of modelGrants(config.models, { partition: this.partition, region: bedrockRegion, account: this.account })) {
      const conditions = grant.throughProfiles ? { conditions: { StringEquals: { 'bedrock:InferenceProfileArn': grant.throughProfiles } } } : {};
      model.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: grant.resources, ...conditions }));
      stream.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithResponseStream'], resources: grant.resources, ...conditions }));
    }

    const api = new appsync.GraphqlApi(this, 'Api', {
      name: `tollgate-${config.stage}`,
      definition: appsync.Definition.fromFile(join(ROOT, 'schema.graphql')),
      authorizationConfig: {
        defaultAuthorization: {
          authorizationType: appsync.AuthorizationType.LAMBDA,
          lambdaAuthorizerConfig: {
            handler: authorizer,
            resultsCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
            validationRegex: TOKEN_PATTERN,
          },
        },
        additionalAuthorizationModes: [
          {
            authorizationType: appsync.AuthorizationType.API_KEY,
            // Renew with `npm run admin -- renew-api-key` (or redeploy) before it expires.
            apiKeyConfig: { name: 'public', description: 'register and login only', expires: Expiration.after(Duration.days(config.apiKeyDays)) },
          },
          // Internal mutations (publishPromptEvent): only roles granted appsync:GraphQL on the field.
          { authorizationType: appsync.AuthorizationType.IAM },
        ],
      },
      queryDepthLimit: config.queryDepthLimit,
      introspectionConfig: config.introspection ? appsync.IntrospectionConfig.ENABLED : appsync.IntrospectionConfig.DISABLED,
      xrayEnabled: config.tracing,
      resolverCountLimit: config.resolverCountLimit,
      environmentVariables: {
        DAILY_PROMPT_LIMIT: String(config.dailyPromptLimit),
        DAILY_TOKEN_LIMIT: String(config.dailyTokenLimit),
        PROMPTS_PER_MINUTE: String(config.promptsPerMinute),
        MAX_PROMPT_CHARS: String(config.maxPromptChars),
        MAX_OUTPUT_TOKENS: String(config.maxOutputTokens),
        STREAM_MAX_OUTPUT_TOKENS: String(config.streamMaxOutputTokens),
        STREAM_TIMEOUT_SECONDS: String(config.streamTimeoutSeconds),
        MODELS: formatModels(config.models),
        DEFAULT_MODEL: config.defaultModel,
        PROMPT_RETENTION_DAYS: String(config.promptRetentionDays),
        PROMPTS_IN_FLIGHT: String(config.promptsInFlight),
        FORWARDED_FOR_HOPS: String(config.forwardedForHops),
        USAGE_TABLE: usage.tableName,
        PROMPTS_TABLE: prompts.tableName,
        // sendPrompt's checkAccess (TransactGetItems) and startPrompt's claimAccess
        // (TransactWriteItems) name physical tables.
        USERS_TABLE: users.tableName,
        CONVERSATIONS_TABLE: conversations.tableName,
        CONTEXT_BUDGETS: formatContextBudgets(config),
        SYSTEM_PROMPT_BYTES: String(systemPromptBytes(config)),
      },
      // INFO: errors plus the resolvers' structured event lines; never arguments or context.
      logConfig: { fieldLogLevel: appsync.FieldLogLevel.INFO, excludeVerboseContent: true, retention: logs.RetentionDays.ONE_MONTH },
    });

    // Each DynamoDB data source's role gets exactly the item actions its resolvers use (CDK's
    // default would grant read and write on the whole table): the Users table holds password
    // hashes, so nothing here may Scan it, batch-write or delete from it.
    const dynamoSource = (name: string, table: dynamodb.Table, grants: [dynamodb.Table, string[], string?][]) => {
      const role = new iam.Role(this, `${name}SourceRole`, { assumedBy: new iam.ServicePrincipal('appsync.amazonaws.com') });
      for (const [t, actions, index] of grants) {
        role.addToPolicy(new iam.PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [index ? `${t.tableArn}/index/${index}` : t.tableArn] }));
      }
      return new appsync.DynamoDbDataSource(api, name, { api, table, name, serviceRole: role.withoutPolicyUpdates() });
    };
    const dataSources: Record<string, appsync.BaseDataSource> = {
      // logoutEverywhere (UpdateItem), sendPrompt's checkAccess (GetItem; its TransactGetItems of the
      // caller's account and conversation header is GetItem on each)
      UsersTable: dynamoSource('UsersTable', users, [
        [users, ['GetItem', 'UpdateItem']],
        [conversations, ['GetItem']],
      ]),
      // myUsage, readUsage (GetItem), reserveQuota, readmit, settle (UpdateItem)
      UsageTable: dynamoSource('UsageTable', usage, [[usage, ['GetItem', 'UpdateItem']]]),
      // myPrompts (Query), deletePrompt (DeleteItem), findFirst, prompt, onPromptEvent (GetItem), logPrompt (PutItem),
      // readContext and conversationTurns (Query on ByConversation); startPrompt's claimAccess, a
      // TransactWriteItems: the claim (UpdateItem) and checks of the caller's account and
      // conversation (ConditionCheckItem on those two tables, nothing else of them)
      PromptsTable: dynamoSource('PromptsTable', prompts, [
        [prompts, ['Query', 'DeleteItem', 'GetItem', 'PutItem', 'UpdateItem']],
        [prompts, ['Query'], 'ByConversation'],
        [users, ['ConditionCheckItem']],
        [conversations, ['ConditionCheckItem']],
      ]),
      // conversation, conversationTurns (GetItem); sendPrompt's openTurn, rename,
      // delete (UpdateItem); myConversations (Query on ByActivity)
      ConversationsTable: dynamoSource('ConversationsTable', conversations, [
        [conversations, ['GetItem', 'UpdateItem']],
        [conversations, ['Query'], 'ByActivity'],
      ]),
      AuthFunction: api.addLambdaDataSource('AuthFunction', auth),
      ModelFunction: api.addLambdaDataSource('ModelFunction', model),
      StreamFunction: api.addLambdaDataSource('StreamFunction', stream),
      None: api.addNoneDataSource('None'),
    };
    // A function that calls the API gets its URL and appsync:GraphQL on exactly the mutation
    // fields it calls (IAM auth), in one call, so the grant and the configuration cannot drift.
    const bindApi = (fn: lambda.Function, fields: ('publishPromptEvent')[]) => {
      fn.addEnvironment('GRAPHQL_URL', api.graphqlUrl);
      api.grantMutation(fn, ...fields);
    };
    // The stream function publishes streamed prompts' events.
    bindApi(stream, ['publishPromptEvent']);

    const schema = appSyncSchema(join(ROOT, 'schema.graphql'));
    const runtime = appsync.FunctionRuntime.JS_1_0_0;
    for (const r of discoverResolvers(join(ROOT, 'resolvers'), schema, new Set(Object.keys(dataSources)))) {
      const id = `${r.typeName}${r.fieldName[0]!.toUpperCase()}${r.fieldName.slice(1)}`;
      const code = appsync.Code.fromAsset(bundleResolver(r.file));
      if (r.functions) {
        const pipelineConfig = r.functions.map(
          (f) =>
            new appsync.AppsyncFunction(this, `${id}${f.name[0]!.toUpperCase()}${f.name.slice(1)}`, {
              api,
              name: f.name,
              dataSource: dataSources[f.dataSource]!,
              code: appsync.Code.fromAsset(bundleResolver(f.file)),
              runtime,
            }),
        );
        new appsync.Resolver(this, `${id}Resolver`, { api, typeName: r.typeName, fieldName: r.fieldName, pipelineConfig, code, runtime });
      } else {
        new appsync.Resolver(this, `${id}Resolver`, {
          api,
          typeName: r.typeName,
          fieldName: r.fieldName,
          dataSource: dataSources[r.dataSource!]!,
          code,
          runtime,
        });
      }
    }

    this.addWaf(api, config);
    this.addAlarms(api, config, { authorizer, auth, model, stream, reconciler });
    acknowledgeNagFindings(this, { functions: [authorizer, auth, model, stream, reconciler], api, secret: jwtSecret, tracing: config.tracing, model, stream, reconciler });

    new CfnOutput(this, 'GraphQLUrl', { value: api.graphqlUrl });
    const apiKey = api.node.children.find((c): c is appsync.CfnApiKey => c instanceof appsync.CfnApiKey);
    if (apiKey) {
      new CfnOutput(this, 'ApiKeyId', { value: apiKey.attrApiKeyId, description: 'The API key for register/login; `aws appsync list-api-keys --api-id <ApiId>` shows its value' });
    }
    new CfnOutput(this, 'ApiId', { value: api.apiId });
    new CfnOutput(this, 'Stage', { value: config.stage });
  }

  /**
   * Metrics from the resolvers' event lines and the authorizer's denials, and alarms on them and
   * on the functions' errors and throttles, all notifying one SNS topic.
   */
  private addAlarms(api: appsync.GraphqlApi, config: TollgateConfig, fns: Record<string, lambda.Function>): void {
    const namespace = `Tollgate/${config.stage}`;
    // enforceSSL: the topic's policy refuses publishers that do not use TLS (aws:SecureTransport).
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: `Tollgate ${config.stage} alarms`, enforceSSL: true });
    const apiLogRetention = api.node.tryFindChild('LogRetention');
    const eventMetric = (id: string, logGroup: logs.ILogGroup, pattern: logs.IFilterPattern, dependsOn?: Construct) => {
      const filter = new logs.MetricFilter(this, `${id}Filter`, { logGroup, filterPattern: pattern, metricNamespace: namespace, metricName: id, metricValue: '1', defaultValue: 0 });
      if (dependsOn) filter.node.addDependency(dependsOn);
      return filter.metric({ statistic: 'Sum', period: Duration.minutes(5) });
    };
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, `${id}Alarm`, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new cwActions.SnsAction(topic));
    };
    const term = (event: string) => logs.FilterPattern.allTerms('tollgateEvent', event);
    alarm('QuotaRejections', eventMetric('QuotaRejections', api.logGroup, term('QuotaExceeded'), apiLogRetention), 100, 'Many prompts refused for quota in 5 minutes: abuse or limits set too low.');
    alarm('RateLimited', eventMetric('RateLimited', api.logGroup, term('RateLimited'), apiLogRetention), 100, 'Many prompts rate-limited in 5 minutes: a client is hammering the API.');
    alarm('ModelErrors', eventMetric('ModelErrors', api.logGroup, term('ModelError'), apiLogRetention), 5, 'Bedrock failed 5+ times in 5 minutes (throttling, access, outage).');
    alarm(
      'TokenOverruns',
      eventMetric('TokenOverruns', api.logGroup, term('TokenOverrun'), apiLogRetention),
      1,
      'A model reported more tokens than were reserved for a prompt: the token budget bound no longer holds for that model.',
    );
    alarm(
      'ServiceBusy',
      eventMetric('ServiceBusy', api.logGroup, term('ServiceBusy'), apiLogRetention),
      20,
      'DynamoDB or a function failed 20+ requests in 5 minutes with a retryable error (throttling, 5xx): clients were asked to retry.',
    );
    // Every repair means a pipeline broke off between admission and settling (AppSync's 30 s cut,
    // a crashed or timed-out function, writes failing past their retries): worth a look at once.
    const repairs = new logs.MetricFilter(this, 'ReconciledFilter', {
      logGroup: fns.reconciler!.logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.tollgateEvent', '=', 'Reconciled'),
      metricNamespace: namespace,
      metricName: 'Reconciled',
      metricValue: '$.repaired',
      defaultValue: 0,
    }).metric({ statistic: 'Sum', period: Duration.minutes(5) });
    alarm('Reconciled', repairs, 1, 'The reconciler settled prompts that their requests left half-done (see its log for which and why).');
    alarm(
      'RegistrationCeiling',
      eventMetric('RegistrationCeiling', fns.auth!.logGroup, logs.FilterPattern.allTerms('registrationCeiling')),
      1,
      `Registrations reached the stack-wide ceiling of ${config.registrationsPerHour} an hour: a bulk-registration attack, or the ceiling is too low.`,
    );
    alarm(
      'AuthorizerDenials',
      eventMetric('AuthorizerDenials', fns.authorizer!.logGroup, logs.FilterPattern.allTerms('msg', 'denied')),
      50,
      'Many refused tokens in 5 minutes: forged, expired or revoked tokens being tried.',
    );
    for (const [name, fn] of Object.entries(fns)) {
      alarm(`${name[0]!.toUpperCase()}${name.slice(1)}FunctionErrors`, fn.metricErrors({ period: Duration.minutes(5) }), 1, `The ${name} function failed.`);
      alarm(`${name[0]!.toUpperCase()}${name.slice(1)}FunctionThrottles`, fn.metricThrottles({ period: Duration.minutes(5) }), 1, `The ${name} function was throttled.`);
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn, description: 'Subscribe to get Tollgate alarms' });
  }

  /** The web ACL of infra/waf.ts, associated with the API. */
  private addWaf(api: appsync.GraphqlApi, config: TollgateConfig): void {
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'TollgateWebAcl', sampledRequestsEnabled: true },
      rules: webAclRules(config),
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: api.arn, webAclArn: acl.attrArn });
  }
}
