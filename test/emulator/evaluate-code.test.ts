// EvaluateCode offline: its answer's shape for code AWS refuses, bad input, and the
// `tollgate evaluate-code` command that prints it and points at the resolver source.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { evaluateCode, EvaluateCodeInputError } from 'tollgate/evaluate-code';
import { ROOT } from '../../infra/bundle.ts';

const run = promisify(execFile);

describe('evaluateCode', () => {
  it('answers code AWS would refuse with codeErrors at code.js positions, without running it', async () => {
    const out = await evaluateCode({ code: 'export function request(ctx) {\n  let i = 0;\n  while (i < 2) { i += 1; }\n  return {};\n}', context: '{}', function: 'request' });
    expect(out).toEqual({
      logs: [],
      error: {
        message: 'The code contains one or more errors.',
        codeErrors: [{ errorType: 'LINT_ERROR', value: expect.stringContaining('(@aws-appsync/no-while)'), location: { line: 3, column: 3, span: -1 } }],
      },
    });
  });

  it('keeps console output in logs, the stash and appended errors beside the result', async () => {
    const code = [
      "import { util } from '@aws-appsync/utils';",
      'export function request(ctx) {',
      "  console.log('seen', ctx.args.n);",
      '  ctx.stash.seen = true;',
      "  util.appendError('careful', 'Warning');",
      '  return { n: ctx.args.n + 1 };',
      '}',
      'export function response(ctx) { return ctx.result; }',
    ].join('\n');
    const out = await evaluateCode({ code, context: { arguments: { n: 1 } }, function: 'request' });
    expect(out).toEqual({
      evaluationResult: '{"n":2}',
      logs: ['seen 1'],
      stash: '{"seen":true}',
      outErrors: '[{"message":"careful","errorType":"Warning","data":null,"errorInfo":null}]',
    });
  });

  it('refuses what EvaluateCode refuses before running anything', async () => {
    await expect(evaluateCode({ code: 'export function request() {}', context: '{' })).rejects.toThrow(EvaluateCodeInputError);
    await expect(evaluateCode({ code: 'x'.repeat(32_769), context: '{}' })).rejects.toThrow('code must have 1 to 32768 characters.');
    await expect(evaluateCode({ code: 'export function request() {}', context: '{}', runtime: { name: 'APPSYNC_JS', runtimeVersion: '2.0.0' } })).rejects.toThrow(
      'Only the APPSYNC_JS runtime, version 1.0.0, is supported.',
    );
  });
});

describe('npx tollgate evaluate-code', () => {
  const tollgate = join(ROOT, 'bin', 'tollgate.mjs');

  it('bundles a resolver source, prints EvaluateCode’s answer and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evaluate-'));
    writeFileSync(join(dir, 'ctx.json'), JSON.stringify({ arguments: {}, identity: { resolverContext: { userId: 'u1' } }, env: { DAILY_PROMPT_LIMIT: '5', DAILY_TOKEN_LIMIT: '9', PROMPTS_PER_MINUTE: '1' } }));
    const { stdout } = await run(process.execPath, [tollgate, 'evaluate-code', '--code', 'resolvers/Query.myUsage.ts', '--context', join(dir, 'ctx.json'), '--function', 'request'], { cwd: ROOT });
    const out = JSON.parse(stdout) as { evaluationResult: string };
    expect(JSON.parse(out.evaluationResult)).toMatchObject({ operation: 'GetItem', key: { userId: { S: 'u1' } } });
  });

  it('says where a runtime error is in resolvers/, beside code.js’s position, and exits 1', async () => {
    const failed = run(process.execPath, [tollgate, 'evaluate-code', '--code', 'resolvers/Query.myUsage.ts', '--context', '{"result":null}', '--function', 'response'], { cwd: ROOT });
    const error = (await failed.catch((e: unknown) => e)) as { code: number; stdout: string; stderr: string };
    expect(error.code).toBe(1);
    expect(JSON.parse(error.stdout)).toMatchObject({ error: { message: expect.stringMatching(/^code\.js:\d+:\d+: TypeError: /) } });
    expect(error.stderr).toMatch(/^resolvers\/Query\.myUsage\.ts:\d+:\d+ \(code\.js:\d+:\d+\): TypeError: /);
  });
});
