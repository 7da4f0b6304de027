// `npx tollgate evaluate-code --code f.js --context ctx.json --function request`: EvaluateCode
// offline, answering with the JSON `aws appsync evaluate-code` prints.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolverCode } from '../../infra/bundle.ts';
import { evaluateCode, EvaluateCodeInputError, type EvaluateCodeOutput } from './evaluate-code.ts';
import { describePosition, sourceLocator } from './source-map.ts';

const HELP = `Usage: tollgate evaluate-code --code <file> [--context <file or JSON>] [--function request|response]

Runs one handler of APPSYNC_JS code offline, as AppSync's EvaluateCode does, and prints its
answer: evaluationResult, error, logs, stash, outErrors.

  --code FILE        the resolver: a bundle (.js, what deploys) or a resolvers/ source (.ts,
                     bundled first exactly as cdk synth bundles it)
  --context VALUE    the context: a JSON file or JSON text (default {})
  --function NAME    request (default) or response

Exit status: 0 when the handler returned, 1 when the answer has an error, 2 for bad input.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let values: { code?: string; context?: string; function?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { code: { type: 'string' }, context: { type: 'string' }, function: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (!values.code) fail('--code is required.');
  const file = resolve(values.code);
  if (!existsSync(file)) fail(`No such file: ${values.code}`);
  const code = file.endsWith('.ts') ? resolverCode(file) : readFileSync(file, 'utf8');
  const contextArg = values.context ?? '{}';
  const context = contextArg.trim().startsWith('{') ? contextArg : existsSync(contextArg) ? readFileSync(contextArg, 'utf8') : fail(`--context is neither JSON nor a file: ${contextArg}`);
  const fn = values.function ?? 'request';
  if (fn !== 'request' && fn !== 'response') fail(`--function must be request or response. Received: ${fn}`);

  let out: EvaluateCodeOutput;
  try {
    out = await evaluateCode({ code, context, function: fn });
  } catch (error) {
    if (error instanceof EvaluateCodeInputError) fail(error.message);
    throw error;
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  if (!out.error) return;
  // Where the error is in the source the bundle came from, beside its code.js position.
  const locate = sourceLocator(code);
  const positions = [
    ...(out.error.codeErrors ?? []).map((e) => ({ line: e.location.line, column: e.location.column, what: e.value })),
    ...[...out.error.message.matchAll(/code\.js:(\d+):(\d+)/g)].map((m) => ({ line: Number(m[1]), column: Number(m[2]), what: out.error!.message.replace(/^code\.js:\d+:\d+: /, '') })),
  ];
  for (const p of positions) process.stderr.write(`${describePosition(locate, p.line, p.column)}: ${p.what}\n`);
  process.exitCode = 1;
}

await main(process.argv.slice(3));
