// Loading the synthesized template (APPSYNC.md §6.3, §8.35), refusing what AWS would refuse to
// deploy (§8.1) and failing clearly at start-up.
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeProblems } from '../../emulator/appsync-js/lint-cache.ts';
import { lintBundles } from '../../emulator/appsync-js/lint.ts';
import { callHandler, loadModule } from '../../emulator/appsync-js/module.ts';
import { ENGINE_CHOICES } from '../../emulator/appsync/choices.ts';
import { ROOT } from '../../emulator/synth.ts';
import { loadStack } from '../../emulator/template.ts';
import { buildEngine, run } from '../helpers/engine.ts';
import { LOCK_FILE } from '../../emulator/lock.ts';
import { freePort, PASSWORD, startTestEmulator, uniqueEmail } from '../helpers/emulator.ts';
import { TEST_CDK_OUT, testSynthEnv } from '../helpers/global-setup.ts';

describe('the template loader', () => {
  const stack = loadStack(TEST_CDK_OUT);

  it('serves the test assembly with the deployable bcrypt cost; only the test emulator’s Lambda environment lowers it', () => {
    const auth = [...stack.lambdas.values()].filter((fn) => 'BCRYPT_COST' in fn.environment);
    expect(auth.map((fn) => fn.environment.BCRYPT_COST)).toEqual(['10']);
  });

  it('orders pipeline functions exactly as PipelineConfig and finds their code through assets.json (§8.35)', () => {
    const send = stack.resolvers.find((r) => r.fieldName === 'sendPrompt')!;
    expect(send.kind).toBe('PIPELINE');
    expect(send.functions.map((id) => stack.functions.get(id)!.name)).toEqual([
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
    for (const id of send.functions) expect(stack.functions.get(id)!.codeFile).toMatch(/asset\.[0-9a-f]{64}\.js$/);
  });

  it('resolves the API’s environment variables, with table Refs as local table names', () => {
    const env = Object.fromEntries(Object.entries(stack.api.environment).map(([k, v]) => [k, stack.resolve(v)]));
    expect(env).toMatchObject({ DAILY_PROMPT_LIMIT: '50', USAGE_TABLE: expect.stringMatching(/UsageTable/) });
    expect(stack.api.lambdaAuthorizer).toMatchObject({ ttlSeconds: 60, validationRegex: expect.stringContaining('Bearer') });
    expect(stack.api.additionalAuth).toEqual(['API_KEY', 'AWS_IAM']);
  });

  it('reads Lambda functions with their handler, timeout and environment', () => {
    const model = [...stack.lambdas.values()].find((l) => l.logicalId.startsWith('ModelFunction'))!;
    expect(model).toMatchObject({ handler: 'index.handler', runtime: 'nodejs24.x', timeoutSeconds: 23, memoryMb: 128 });
    const auth = [...stack.lambdas.values()].find((l) => l.logicalId.startsWith('AuthFunction'))!;
    expect(stack.resolve(auth.environment.RATE_LIMITS_TABLE!)).toMatch(/RateLimitsTable/);
  });

  it('knows each function’s role and resolves the API’s attributes to their local values', () => {
    const local = loadStack(TEST_CDK_OUT, { graphqlUrl: 'http://localhost:4115/graphql' });
    const model = [...local.lambdas.values()].find((l) => l.logicalId.startsWith('StreamFunction'))!;
    expect(model.roleLogicalId).toMatch(/^StreamFunctionServiceRole/);
    expect(local.resolve(model.environment.GRAPHQL_URL!)).toBe('http://localhost:4115/graphql');
    expect(local.resolve({ 'Fn::GetAtt': [model.roleLogicalId!, 'Arn'] })).toBe(`arn:aws:iam::000000000000:role/${local.stackName}-${model.roleLogicalId}`);
  });
});

describe('resolver code AWS would refuse', () => {
  it('is refused at load with the rule and the line (§8.1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lint-'));
    const file = join(dir, 'code.js');
    writeFileSync(
      file,
      [
        "import { util } from '@aws-appsync/utils';",
        'export function request(ctx) {',
        '  let n = 0;',
        '  while (n < 2) { n += 1; }',
        "  try { JSON.parse('x'); } catch (e) { n = 0; }",
        "  if ('a' in ctx) { throw new Error('no'); }",
        '  return /x/.test(ctx.args.a) ? { payload: n++ } : { payload: 0 };',
        '}',
        'export async function response(ctx) { return ctx.result; }',
      ].join('\n'),
    );
    const rules = lintBundles([file]).map((p) => `${p.line}:${p.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        '4:@aws-appsync/no-while',
        '5:@aws-appsync/no-try',
        '6:@aws-appsync/no-in-operator',
        '6:no-restricted-syntax',
        '7:@aws-appsync/no-regex',
        '7:@aws-appsync/no-disallowed-unary-operators',
        '9:@aws-appsync/no-async',
      ]),
    );
  });

  it('loads modules with a parser: indented or wrapped import and export lines load, and errors keep code.js positions', () => {
    const code = [
      '',
      "        import { util } from '@aws-appsync/utils';",
      '    import {',
      '      get as getItem,',
      "    } from '@aws-appsync/utils/dynamodb';",
      '    export function request(ctx) {',
      '        return { a: util.dynamodb.toDynamoDB(1), b: getItem({ key: { id: 1 } }).operation };',
      '    }',
      '    export const response = (ctx) => ctx.result.items.length;',
    ].join('\n');
    const loaded = loadModule(code, 'indented.js');
    const hooks = { now: () => 0, authType: () => 'API Key Authorization', fieldInfo: () => ({ fieldName: 'f', parentTypeName: 'Query' }), appendError: () => undefined };
    expect(callHandler(loaded.request, {}, hooks, null)).toEqual({ kind: 'value', value: { a: { N: 1 }, b: 'GetItem' } });
    // `ctx.result.items.length` on line 9: column 55 is where `length` starts.
    expect(callHandler(loaded.response, { result: {} }, hooks, null)).toMatchObject({
      kind: 'error',
      record: { errorType: 'Code', message: "code.js:9:55: TypeError: Cannot read properties of undefined (reading 'length')" },
    });
  });

  it('refuses a default export, which AppSync never calls, at its line', () => {
    expect(() => loadModule('\nexport default function request(ctx) { return {}; }', 'default.js')).toThrow('default.js: code.js:2:1: AppSync calls the exported request and response functions');
  });

  it('points each finding at the resolver source through the bundle’s source map, code.js’s position beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapped-'));
    mkdirSync(join(dir, 'resolvers'));
    writeFileSync(join(dir, 'resolvers', 'Query.bad.ts'), ['export function request(ctx: { args: { n: number } }) {', '  let i: number = 0;', '  while (i < ctx.args.n) { i += 1; }', '  return { payload: i };', '}'].join('\n'));
    const outfile = join(dir, 'build', 'resolvers', 'Query.bad.js');
    buildSync({ entryPoints: [join(dir, 'resolvers', 'Query.bad.ts')], outfile, bundle: true, format: 'esm', sourcemap: 'inline', sourcesContent: false, logLevel: 'error' });
    const problems = lintBundles([outfile]);
    expect(describeProblems(problems, () => 'Query.bad')).toMatch(/^ {2}Query\.bad resolvers\/Query\.bad\.ts:3:3 \(code\.js:\d+:\d+\) @aws-appsync\/no-while: /);
  });

  it('cannot import anything but @aws-appsync/utils', () => {
    expect(() => loadModule("import fs from 'node:fs';\nexport function request() { return {}; }", 'bad.js')).toThrow(/AppSync provides only @aws-appsync\/utils/);
  });
});

describe('limits and start-up', () => {
  it('cuts off a request that runs past the request time limit', async () => {
    const saved = ENGINE_CHOICES.requestTimeoutMs;
    ENGINE_CHOICES.requestTimeoutMs = 100;
    try {
      const engine = buildEngine('type Query { slow: String }', [
        {
          coordinate: 'Query.slow',
          code: 'export function request(ctx) { return {}; }\nexport function response(ctx) { return ctx.result; }',
          dataSource: () => new Promise((resolve) => setTimeout(() => resolve({ result: 'late' }), 1000)),
        },
      ]);
      expect(await run(engine, '{ slow }')).toEqual({ data: null, errors: [{ path: null, locations: [], message: 'Execution timed out.', errorType: 'ExecutionTimeout' }] });
    } finally {
      ENGINE_CHOICES.requestTimeoutMs = saved;
    }
  });

  it('says the port is in use and how to pick another', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startTestEmulator({ port })).rejects.toThrow(`Port ${port} is in use. Stop what runs there or start with PORT=<another port>.`);
    } finally {
      blocker.close();
    }
  });
});

describe('one emulator per data folder', () => {
  it('refuses a second emulator on the same folder with a sentence, and the first keeps serving', async () => {
    const first = await startTestEmulator({ owner: 'npm start' });
    try {
      await expect(startTestEmulator({ dataDir: first.dataDir })).rejects.toThrow(
        new RegExp(`^The data folder ${first.dataDir} is in use by npm start \\(pid ${process.pid}, since .+\\)\\. Stop that one first, or give this one its own folder: TOLLGATE_DATA_DIR=<another folder>\\.`),
      );
      await expect(first.client().register(uniqueEmail('lock'), PASSWORD)).resolves.toMatchObject({ message: expect.any(String) });
      // npm start checks before it synthesizes or starts anything.
      const env = { ...testSynthEnv(), PORT: String(await freePort()), TOLLGATE_DATA_DIR: first.dataDir, TOLLGATE_CDK_OUT: TEST_CDK_OUT };
      const second = spawnSync('npm', ['start'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`Tollgate could not start: The data folder ${first.dataDir} is in use by npm start (pid ${process.pid}`);
      expect(second.stdout).not.toContain('Synthesizing');
    } finally {
      await first.stop();
    }
  });

  it('takes over a lock left by a process that no longer runs, and frees it on close', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-lock-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout.toString()), what: 'npm start', since: 'yesterday' }));
    const api = await startTestEmulator({ dataDir });
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await api.stop();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });
});

describe('helpers AppSync does not have', () => {
  it('refuses ddb.sync at load, as AWS refuses it at deploy (§2.7, §8.7)', () => {
    expect(() =>
      loadModule("import * as ddb from '@aws-appsync/utils/dynamodb';\nexport function request(ctx) { return ddb.sync({ limit: 1 }); }\nexport function response(ctx) { return ctx.result; }", 'sync.js'),
    ).toThrow('sync.js: @aws-appsync/utils/dynamodb has no sync on AppSync');
    expect(() => loadModule("import { sync } from '@aws-appsync/utils/dynamodb';\nexport function request(ctx) { return sync({}); }", 'named.js')).toThrow(/has no sync/);
    expect(() => loadModule("import * as ddb from '@aws-appsync/utils/dynamodb';\nexport function request(ctx) { return ddb.get({ key: { id: 1 } }); }", 'ok.js')).not.toThrow();
  });
});
