// Starts the offline Tollgate: local DynamoDB, Secrets Manager and Bedrock, the Lambda runner,
// and the AppSync engine over HTTP, all from one synthesized template.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { addMissingIndexes, createInput } from './local/table-migration.ts';
import { describeProblems, lintBundlesCached } from './appsync-js/lint-cache.ts';
import { loadModule, ModuleLoadError, type AppSyncModule } from './appsync-js/module.ts';
import { isFailure, RequestAuthorizer } from './appsync/auth.ts';
import { DYNAMODB_SOURCE_CHOICES, LAMBDA_CHOICES } from './appsync/choices.ts';
import { Engine, type DataSourceCall, type LoadedResolver, type RequestState } from './appsync/engine.ts';
import { corsHeaders, DEFAULT_HTTP_POLICY, errorTypesOf, hostAllowed, lowerCaseHeaders, parseGraphQLRequest, readBody, refuseHost, send, withForwardedFor, type HttpPolicy } from './appsync/http.ts';
import { DynamoDbDataSource } from './datasources/dynamodb.ts';
import { enforceIam, type FunctionEndpoints } from './iam/enforce.ts';
import { LocalIam, type AwsCredentials } from './iam/index.ts';
import { lockDataFolder } from './lock.ts';
import { LambdaRunner, type InvokeResult } from './lambda/runner.ts';
import { attachRealtime, type RealtimeSettings } from './realtime/index.ts';
import { openListener } from './realtime/listener.ts';
import { localCertificate } from './realtime/tls.ts';
import { apiLambdas, runtimeNotices } from './lambda/runtime.ts';
import { AsyncInvoker, ASYNC_DEFAULTS, type AsyncStats } from './lambda/async.ts';
import { Scheduler } from './events/scheduler.ts';
import { eventInvokeConfigs, startSchedules, type Schedules } from './events/schedules.ts';
import { startFaultProxy } from './faults/aws-proxy.ts';
import { bedrockFaults, lambdaFaults } from './faults/adapters.ts';
import type { FaultPlan } from './faults/plan.ts';
import { startBedrock, type FaultController, type StreamPace } from './local/bedrock.ts';
import { startLocalDynamo, type DynamoDbBackend } from './local/dynamodb-backend.ts';
import { createWaf, describeWaf, wafRequest } from './waf/index.ts';
import { startSecretsManager } from './local/secrets-manager.ts';
import { handleWeb } from './web/index.ts';
import { constructId, LOCAL_ACCOUNT, LOCAL_API_ID, LOCAL_REGION, loadStack, readCode, tablesByConstructId, type StackModel } from './template.ts';
import { ROOT } from './synth.ts';

export interface EmulatorOptions {
  cdkOut: string;
  dataDir: string;
  port?: number;
  host?: string;
  apiKey?: string;
  /** Model faults for tests (the dev model also reads [[fault:…]] markers in prompts). */
  faults?: FaultController;
  /**
   * Faults in the local AWS services (DynamoDB, Secrets Manager, Lambda, Bedrock): TOLLGATE_FAULTS
   * or a test's plan, changeable while the emulator runs. Without one, nothing sits in between.
   */
  faultPlan?: FaultPlan;
  /** Run the template's EventBridge schedules on the clock (default true); tests that own the clock run them with schedules.run(). */
  schedules?: boolean;
  /** Containers per Lambda function at most. */
  maxContainers?: number;
  log?: (line: string) => void;
  /** Real Bedrock (hybrid mode): the region to call; credentials come from the environment. */
  bedrockRegion?: string;
  /** An OpenAI-compatible local model server to answer instead of the dev model. */
  localModel?: { url: string; model?: string; apiKey?: string };
  /** The dev model's ConverseStream pace (emulator/local/bedrock.ts); every delta at once when unset. */
  devModelPace?: StreamPace;
  /** Real-time (subscriptions) settings: keep-alive, limits; AppSync's values by default. */
  realtime?: Partial<RealtimeSettings>;
  /** dynalite (default) or AWS's DynamoDB Local (needs Java). */
  dynamodb?: DynamoDbBackend;
  /** Where tools fetched on first use are kept (DynamoDB Local); default .tollgate/cache. */
  cacheDir?: string;
  /** Apply the template's web ACL (default true; TOLLGATE_WAF=off turns it off). */
  waf?: boolean;
  /**
   * Enforce the template's IAM policies on data sources and on functions' calls to the local
   * services (default true; TOLLGATE_IAM=off turns it off). AWS_IAM callers of the API are always checked.
   */
  iam?: boolean;
  /** Host names and browser origins the API answers (TOLLGATE_ALLOWED_HOSTS, TOLLGATE_CORS_ORIGINS). */
  http?: HttpPolicy;
  /** Who holds the data folder, for the message a second emulator on it gets ("npm start"). */
  owner?: string;
  /** The caller holds the data folder's lock already (npm start takes it before synthesizing). */
  lockHeld?: boolean;
  /**
   * Tests only: a cheaper bcrypt cost for the auth function's BCRYPT_COST, where a test is not
   * about bcrypt. It changes this process's Lambda environment, never the template (which keeps
   * the configured cost, 10 or more, as test/infra checks).
   */
  bcryptCostOverride?: number;
}

export interface Emulator {
  url: string;
  graphqlUrl: string;
  /** Where subscriptions connect: ws://…/graphql/realtime (wss:// on the same port too). */
  realtimeUrl: string;
  /** The local CA that signs the wss:// and https:// certificate (PEM), and its file. */
  tls: { ca: string; caFile: string };
  apiKey: string;
  dataDir: string;
  stack: StackModel;
  /** The local DynamoDB endpoint, for admin tools and tests (no IAM in the way). */
  dynamodbUrl: string;
  /**
   * The endpoints the functions are given (AWS_ENDPOINT_URL_*): with IAM enforced, gateways that
   * check each request's signature and its role's policies before the local service sees it.
   */
  functionEndpoints: FunctionEndpoints;
  /** Whether the template's IAM policies are enforced (TOLLGATE_IAM). */
  iamEnforced: boolean;
  /** Physical table name by the table's construct id, e.g. tableName('UsersTable'). */
  tableName(id: string): string;
  /**
   * The AWS credentials a function gets in its environment, by construct id (e.g.
   * 'ModelFunction'): temporary credentials of its role, which AWS_IAM requests are checked against.
   */
  functionCredentials(id: string): AwsCredentials;
  /** Moves the emulator's clock (util.time in resolvers, authorizer cache, schedules, async retries) for day/minute tests. */
  clock: { now(): number; set(epochMs: number): void; reset(): void };
  /** The template's EventBridge schedules; run(prefix) invokes a rule's targets now and answers their results. */
  schedules: Schedules;
  /** Asynchronous Lambda invocations: idle() waits for what is due, delivered holds non-Lambda destinations' records. */
  lambdaAsync: { idle(): Promise<void>; pending(): number; stats: AsyncStats; delivered: AsyncInvoker['delivered']; invoke(functionId: string, payload: unknown): string };
  /** The fault plan in force, if any. */
  faultPlan?: FaultPlan;
  close(): Promise<void>;
}

function apiKeyFor(dataDir: string, given: string | undefined): string {
  if (given) return given;
  const file = join(dataDir, 'api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const key = 'da2-' + Array.from({ length: 26 }, () => alphabet[randomInt(alphabet.length)]).join('');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

function generatedSecret(spec: { length: number; excludePunctuation: boolean; includeSpace: boolean }): string {
  const alphabet =
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' + (spec.excludePunctuation ? '' : '!#$%&()*+,-./:;<=>?@[]^_{|}~') + (spec.includeSpace ? ' ' : '');
  const bytes = randomBytes(spec.length * 2);
  return Array.from({ length: spec.length }, (_, i) => alphabet[bytes.readUInt16BE(i * 2) % alphabet.length]).join('');
}

async function ensureTables(client: DynamoDBClient, stack: StackModel, log: (line: string) => void): Promise<void> {
  for (const table of stack.tables.values()) {
    try {
      await client.send(new DescribeTableCommand({ TableName: table.physicalName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await client.send(new CreateTableCommand(createInput(table)));
      continue;
    }
    // A data folder from an older template: its tables get the global indexes added since.
    await addMissingIndexes(client, table, log);
  }
}

function lambdaError(out: InvokeResult & { ok: false }) {
  if (out.errorType === 'TooManyRequestsException') return { message: out.errorMessage, type: LAMBDA_CHOICES.throttleType };
  return { message: out.errorMessage, type: LAMBDA_CHOICES.errorType, unhandledErrorType: out.errorType };
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  mkdirSync(options.dataDir, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const apiKey = apiKeyFor(options.dataDir, options.apiKey);
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  const scheduler = new Scheduler(now);
  const clock = {
    now,
    set: (ms: number) => {
      offsetMs = ms - Date.now();
      scheduler.kick();
    },
    reset: () => {
      offsetMs = 0;
      scheduler.kick();
    },
  };

  const closers: (() => Promise<void>)[] = [async () => scheduler.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    // One emulator per data folder: refused here, before dynalite opens it.
    if (!options.lockHeld) {
      const release = lockDataFolder(options.dataDir, options.owner ?? 'another Tollgate emulator');
      closers.push(async () => release());
    }

    // The port first: the API's URL is in the Lambda environments (GRAPHQL_URL). One port serves
    // http/ws and https/wss (Amplify v6 always opens wss://), with a local certificate.
    const listener = await openListener(options.port ?? 4000, host);
    closers.push(() => listener.close());
    const base = `http://${host === '0.0.0.0' ? 'localhost' : host === '127.0.0.1' ? 'localhost' : host}:${listener.port}`;
    const stack = loadStack(options.cdkOut, { graphqlUrl: `${base}/graphql` });
    const tls = await localCertificate(join(options.dataDir, 'tls'), [host]);

    // Local AWS.
    const localDynamo = await startLocalDynamo(options.dynamodb ?? 'dynalite', { dataDir: options.dataDir, cacheDir: options.cacheDir ?? join(ROOT, '.tollgate', 'cache') });
    closers.push(() => localDynamo.close());
    const dynamoUrl = localDynamo.url;
    const dynamoClient = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamoUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    closers.push(async () => dynamoClient.destroy());
    await ensureTables(dynamoClient, stack, log);
    // With a fault plan, the API's data sources and the functions reach DynamoDB through the
    // fault proxy; tests and admin tools read it directly (dynamodbUrl).
    const plan = options.faultPlan;
    const aliases = Object.fromEntries(Object.entries(tablesByConstructId(stack)).map(([id, name]) => [name, id]));
    const faultyDynamo = plan ? await startFaultProxy({ service: 'dynamodb', upstream: dynamoUrl, plan, aliases }) : null;
    if (faultyDynamo) closers.push(() => faultyDynamo.close());
    const servedDynamoUrl = faultyDynamo?.url ?? dynamoUrl;
    // AppSync's DynamoDB data source does not retry for the resolver (choices.ts): one attempt.
    const dataSourceClient = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: servedDynamoUrl,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: DYNAMODB_SOURCE_CHOICES.maxAttempts,
    });
    closers.push(async () => dataSourceClient.destroy());

    const secrets = await startSecretsManager({ file: join(options.dataDir, 'secrets.json') });
    closers.push(() => secrets.close());
    const secretArns: string[] = [];
    const faultySecrets = plan ? await startFaultProxy({ service: 'secretsmanager', upstream: secrets.url, plan }) : null;
    if (faultySecrets) closers.push(() => faultySecrets.close());
    for (const s of stack.secrets.values()) {
      const arn = String(stack.resolve({ Ref: s.logicalId }));
      secretArns.push(arn);
      await secrets.putSecret(arn, s.generate ? generatedSecret(s.generate) : randomUUID());
    }

    const hybrid = options.bedrockRegion !== undefined && options.bedrockRegion !== '';
    const bedrock = hybrid ? null : await startBedrock({ faults: options.faults ?? (plan ? bedrockFaults(plan) : undefined), bridge: options.localModel, pace: options.devModelPace });
    if (bedrock) closers.push(() => bedrock.close());

    // Lambda functions, each with the template's environment pointed at the local endpoints and
    // its role's credentials (what AWS_IAM requests to the API are checked against).
    const iam = LocalIam.load(stack, (message) => log(`[iam] ${message}`));
    // Functions reach the services through IAM's gateways, and those through the fault proxies.
    const services = { dynamodb: servedDynamoUrl, secretsManager: faultySecrets?.url ?? secrets.url, bedrockRuntime: bedrock?.url ?? null };
    const enforcement = await enforceIam({ stack, iam, enabled: options.iam !== false, hybrid, services, secretArns, log });
    closers.push(() => enforcement.close());
    const { guard, functionEndpoints } = enforcement;
    const credentialsById = new Map<string, AwsCredentials>();
    for (const notice of runtimeNotices(apiLambdas(stack))) log(notice);
    const runner = new LambdaRunner({
      maxContainers: options.maxContainers,
      log: (fn, line) => log(`[${fn}] ${line}`),
      fault: plan ? lambdaFaults(plan, (id) => [id, constructId(id), stack.lambdas.get(id)?.functionName ?? id]) : undefined,
    });
    closers.push(() => runner.close());
    for (const fn of stack.lambdas.values()) {
      const env: Record<string, string> = Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, String(stack.resolve(v))]));
      Object.assign(env, {
        AWS_REGION: stack.region,
        AWS_DEFAULT_REGION: stack.region,
        AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        LAMBDA_TASK_ROOT: fn.codeDir,
        // Lambda runs these bundles on Node.js 24; the SDK's warning about an older local Node is noise.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TZ: 'UTC',
        AWS_ENDPOINT_URL_DYNAMODB: functionEndpoints.dynamodb,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: functionEndpoints.secretsManager,
      });
      if (bedrock) {
        const credentials = iam.credentialsFor(fn);
        credentialsById.set(constructId(fn.logicalId), credentials);
        Object.assign(env, {
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: functionEndpoints.bedrockRuntime!,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken,
        });
      } else {
        // Hybrid: the real Bedrock with the developer's credentials; everything else stays local.
        for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'HOME']) {
          if (process.env[name]) env[name] = process.env[name]!;
        }
        env.BEDROCK_REGION = options.bedrockRegion!;
        env.AWS_ENDPOINT_URL_DYNAMODB = servedDynamoUrl;
        if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
          const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
          iam.share(credentials, fn);
          credentialsById.set(constructId(fn.logicalId), credentials);
        }
      }
      if (options.bcryptCostOverride !== undefined && 'BCRYPT_COST' in env) env.BCRYPT_COST = String(options.bcryptCostOverride);
      runner.register(fn.logicalId, { functionName: fn.functionName, codeDir: fn.codeDir, handler: fn.handler, timeoutSeconds: fn.timeoutSeconds, memoryMb: fn.memoryMb, environment: env });
    }

    // Asynchronous invocations (AppSync's invocationType Event, EventBridge targets, destinations)
    // with Lambda's retries and the functions' EventInvokeConfig, on the emulator's clock.
    const invokeConfigs = eventInvokeConfigs(stack);
    const asyncInvoker = new AsyncInvoker({
      invoke: (id, event) => runner.invoke(id, event),
      scheduler,
      now: clock.now,
      configOf: (id) => {
        const c = invokeConfigs.get(id);
        return {
          maxRetryAttempts: c?.maxRetryAttempts ?? ASYNC_DEFAULTS.maxRetryAttempts,
          maxEventAgeSeconds: c?.maxEventAgeSeconds ?? ASYNC_DEFAULTS.maxEventAgeSeconds,
          onFailure: c?.onFailure,
          onSuccess: c?.onSuccess,
        };
      },
      functionArn: (id) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${stack.lambdas.get(id)?.functionName ?? id}`,
      log,
    });
    const schedules = startSchedules(stack, {
      scheduler,
      now: clock.now,
      enqueue: (id, event) => void asyncInvoker.enqueue(id, event),
      invoke: (id, event) => runner.invoke(id, event),
      warn: (message) => log(`[events] ${message}`),
      automatic: options.schedules !== false,
    });
    closers.push(async () => schedules.close());

    // Data sources and resolvers.
    const knownTables = new Set([...stack.tables.values()].map((t) => t.physicalName));
    const ddb = new DynamoDbDataSource(dataSourceClient, knownTables);
    const dataSource = (name: string): DataSourceCall => {
      const ds = stack.dataSources.get(name);
      if (!ds) throw new Error(`Unknown data source ${name}`);
      if (ds.type === 'NONE') return async (request) => ({ result: (request as { payload?: unknown } | null)?.payload ?? null });
      if (ds.type === 'AMAZON_DYNAMODB') {
        const table = stack.tables.get(ds.tableLogicalId)!.physicalName;
        return async (request) => guard?.dynamoDb(ds, table, request) ?? ddb.execute(table, request as Record<string, unknown>);
      }
      return async (request, { direct }) => {
        const r = request as { operation?: string; payload?: unknown; invocationType?: string };
        if (!direct && r?.operation !== 'Invoke') {
          return { result: null, error: { message: `Unsupported Lambda operation ${String(r?.operation)} (Invoke only; BatchInvoke needs maxBatchSize)`, type: 'Lambda:Unhandled' } };
        }
        const refused = guard?.lambda(ds, stack.lambdas.get(ds.lambdaLogicalId)?.functionName ?? ds.lambdaLogicalId);
        if (refused) return refused;
        if (!direct && r.invocationType === 'Event') {
          // Lambda queues the event and answers at once; the function runs later, with retries.
          asyncInvoker.enqueue(ds.lambdaLogicalId, r.payload);
          return { result: LAMBDA_CHOICES.eventResult };
        }
        const out = await runner.invoke(ds.lambdaLogicalId, direct ? request : r.payload);
        if (!out.ok) return { result: null, error: lambdaError(out) };
        return { result: out.payload };
      };
    };
    // What AWS would refuse to deploy is refused here too, with the rule and the line.
    const codeFiles = [...new Set([...stack.resolvers.map((r) => r.codeFile), ...[...stack.functions.values()].map((f) => f.codeFile)])].filter(
      (f): f is string => f !== null && !f.startsWith('inline:'),
    );
    const problems = await lintBundlesCached(options.cdkOut, codeFiles);
    if (problems.length > 0) {
      const where = (file: string) => {
        const r = stack.resolvers.find((x) => x.codeFile === file);
        const f = [...stack.functions.values()].find((x) => x.codeFile === file);
        return r ? `${r.typeName}.${r.fieldName}` : f ? `function ${f.name}` : file;
      };
      throw new ModuleLoadError(`AppSync would refuse this resolver code:\n${describeProblems(problems, where)}`);
    }
    const modules = new Map<string, AppSyncModule>();
    const moduleFor = (file: string) => {
      let m = modules.get(file);
      if (!m) {
        m = loadModule(readCode(stack, file), file);
        modules.set(file, m);
      }
      return m;
    };
    const resolvers: LoadedResolver[] = stack.resolvers.map((r) => ({
      typeName: r.typeName,
      fieldName: r.fieldName,
      kind: r.kind,
      module: r.codeFile ? moduleFor(r.codeFile) : null,
      dataSourceName: r.dataSourceName,
      dataSource: r.dataSourceName ? dataSource(r.dataSourceName) : null,
      functions: r.functions.map((id) => {
        const f = stack.functions.get(id);
        if (!f) throw new Error(`Pipeline ${r.typeName}.${r.fieldName} names a function missing from the template: ${id}`);
        return { name: f.name, module: moduleFor(f.codeFile), dataSource: dataSource(f.dataSourceName), dataSourceName: f.dataSourceName };
      }),
    }));
    const engine = new Engine(stack.api.schema, resolvers, stack.api.defaultAuth, stack.api);
    const env = Object.fromEntries(Object.entries(stack.api.environment).map(([k, v]) => [k, String(stack.resolve(v))]));

    const authorizerId = stack.api.lambdaAuthorizer?.lambdaLogicalId;
    const authorizer = new RequestAuthorizer({
      apiId: LOCAL_API_ID,
      defaultMode: stack.api.defaultAuth,
      additionalModes: stack.api.additionalAuth,
      apiKey,
      lambda: stack.api.lambdaAuthorizer,
      invokeAuthorizer: async (event) => {
        if (!authorizerId) return { ok: false, errorType: 'NoAuthorizer', errorMessage: 'no authorizer' };
        const out = await runner.invoke(authorizerId, event);
        return out.ok ? { ok: true, payload: out.payload } : { ok: false, errorType: out.errorType, errorMessage: out.errorMessage };
      },
      now: clock.now,
      warn: (message) => log(`[appsync] warning: ${message}`),
      iam,
    });

    const waf = options.waf === false ? undefined : createWaf(stack.templateFile, clock.now);
    for (const line of describeWaf(waf, options.waf !== false)) log(line);

    const web = { apiKey, stackName: stack.stackName, env, log };
    const policy = options.http ?? DEFAULT_HTTP_POLICY;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      void (async () => {
        const started = performance.now();
        const url = new URL(req.url ?? '/', 'http://localhost');
        const requestId = randomUUID();
        if (!hostAllowed(req.headers.host, policy)) {
          refuseHost(res, req.headers.host);
          log(`[appsync] ${req.method} - 403 refused host ${JSON.stringify(req.headers.host ?? '')}`);
          return;
        }
        if (url.pathname === '/graphql') {
          for (const [name, value] of Object.entries(corsHeaders(req.headers.origin, policy))) res.setHeader(name, value);
        }
        if (req.method === 'OPTIONS') {
          res.writeHead(204).end();
          return;
        }
        if (handleWeb(req, res, web)) return;
        if (url.pathname === '/health') {
          send(res, 200, { ok: true, stack: stack.stackName });
          return;
        }
        if (url.pathname !== '/graphql' || (req.method !== 'POST' && req.method !== 'GET')) {
          send(res, 404, { errors: [{ errorType: 'NotFoundException', message: 'Not found. The API is at /graphql.' }] });
          return;
        }
        const body = req.method === 'POST' ? await readBody(req) : '';
        const blocked = waf?.inspect(wafRequest(req, url, body));
        if (blocked && !blocked.allowed) {
          res.writeHead(blocked.status, { 'x-amzn-requestid': requestId, ...blocked.headers }).end(blocked.body);
          log(`[waf] ${req.method} ${blocked.status} blocked by ${blocked.rule}`);
          return;
        }
        const parsed = parseGraphQLRequest(req.method, url, String(req.headers['content-type'] ?? 'application/json'), body);
        if (!parsed.ok) {
          // A body refused half-read leaves the rest on the socket: close it rather than reuse it.
          const close: Record<string, string> = body === null ? { connection: 'close' } : {};
          send(res, parsed.status, parsed.body, { 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'MalformedHttpRequestException', ...close });
          log(`[appsync] ${req.method} - 400 ${(performance.now() - started).toFixed(1)}ms MalformedHttpRequestException`);
          return;
        }
        const { request } = parsed;
        const operation = request.operationName ?? /^\s*(?:query|mutation|subscription)\s+([A-Za-z_]\w*)/.exec(request.query)?.[1] ?? 'anonymous';
        const headers = withForwardedFor(lowerCaseHeaders(req), req.socket.remoteAddress, req.socket.localAddress);
        const caller = await authorizer.authorize(headers, request, { method: req.method, path: url.pathname, query: url.search.slice(1), body: body ?? '' });
        if (isFailure(caller)) {
          const errorType = caller.body.errors[0]!.errorType;
          send(res, caller.status, caller.body, { 'x-amzn-requestid': requestId, 'x-amzn-errortype': errorType });
          log(`[appsync] ${operation} ${caller.status} ${(performance.now() - started).toFixed(1)}ms ${errorType}`);
          return;
        }
        const state: RequestState = {
          caller,
          headers,
          variables: request.variables,
          env,
          now: clock.now,
          appended: [],
          timings: [],
          resolverCount: 0,
          log: (level, args) => log(`[resolver] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`),
        };
        const response = await engine.run(request.query, request.operationName, state);
        if (state.effects) realtime.publish(state.effects);
        const ms = performance.now() - started;
        const wantsTimings = headers['x-tollgate-timings'] === '1' || request.extensions.tollgateTimings === true;
        const out = wantsTimings
          ? {
              ...response,
              extensions: {
                tollgate: {
                  totalMs: ms,
                  authorizer: { ms: caller.authorizerMs, cached: caller.authorizerCached, mode: caller.mode },
                  steps: state.timings,
                },
              },
            }
          : response;
        send(res, 200, out, { 'x-amzn-requestid': requestId });
        const types = errorTypesOf(response);
        log(`[appsync] ${operation} 200 ${ms.toFixed(1)}ms${types ? ' ' + types : ''}`);
      })().catch((error: unknown) => {
        log(`[appsync] internal emulator error: ${(error as Error)?.stack ?? String(error)}`);
        if (!res.headersSent) send(res, 500, { errors: [{ errorType: 'InternalFailure', message: 'The emulator failed; see its log.' }] });
      });
    };
    const servers = [createServer(handler), createHttpsServer({ key: tls.key, cert: tls.cert }, handler)] as const;
    const realtime = attachRealtime({ servers: [...servers], engine, authorizer, env, now: clock.now, log, settings: options.realtime, hostAllowed: (host) => hostAllowed(host, policy) });
    closers.push(() => realtime.close());
    listener.attach(...servers);
    // Where the running emulator can be found, for the CLI and the admin command.
    const runtimeFile = join(options.dataDir, 'emulator.json');
    const tables = tablesByConstructId(stack);
    const endpoints = { secretsManagerUrl: secrets.url, ...(bedrock ? { bedrockControlUrl: bedrock.controlUrl } : {}) };
    writeFileSync(runtimeFile, JSON.stringify({ pid: process.pid, url: base, graphqlUrl: `${base}/graphql`, apiKey, dynamodbUrl: dynamoUrl, tables, ...endpoints }, null, 2) + '\n', { mode: 0o600 });
    closers.push(async () => rmSync(runtimeFile, { force: true }));
    const tableName = (id: string) => {
      if (!tables[id]) throw new Error(`No table ${id} in the template`);
      return tables[id];
    };
    const functionCredentials = (id: string) => {
      const credentials = credentialsById.get(id);
      if (!credentials) throw new Error(`No credentials for a function ${id}. Known: ${[...credentialsById.keys()].join(', ')}`);
      return credentials;
    };
    return {
      url: base,
      graphqlUrl: `${base}/graphql`,
      realtimeUrl: `${base.replace(/^http/, 'ws')}/graphql/realtime`,
      tls: { ca: tls.ca, caFile: tls.caFile },
      apiKey,
      dataDir: options.dataDir,
      stack,
      dynamodbUrl: dynamoUrl,
      functionEndpoints,
      iamEnforced: guard !== null,
      tableName,
      functionCredentials,
      clock,
      schedules,
      lambdaAsync: {
        idle: () => asyncInvoker.idle(),
        pending: () => asyncInvoker.pending(),
        stats: asyncInvoker.stats,
        delivered: asyncInvoker.delivered,
        invoke: (id, payload) => asyncInvoker.enqueue(id, payload),
      },
      faultPlan: plan,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
