// Cold start of each Lambda bundle in the synthesized template: its size (the file Lambda loads,
// and the whole asset as zipped) and its module init time, the median over fresh Node processes
// that each require() the bundle once with the function's own environment (NODE_OPTIONS from
// the template included, as Lambda applies it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { deflateRawSync, gzipSync } from 'node:zlib';
import type { LambdaModel, StackModel } from '../emulator/template.ts';
import { round, stats, type Stats } from './stats.ts';

export interface ColdStart {
  name: string;
  functionName: string;
  memoryMb: number;
  bundleBytes: number;
  bundleGzipBytes: number;
  /** Every file in the asset (source map and data files too), and their zip-deflated size. */
  assetFiles: { file: string; bytes: number }[];
  assetZipBytes: number;
  runs: number;
  initMs: Stats;
  /** Resident set size after init, MB: what the function needs of its memory setting before any request. */
  rssMb: Stats;
  /** The external packages the bundle requires (the AWS SDK, which the runtime ships) … */
  externals: string[];
  /** … and requiring only those, in the same kind of fresh process. */
  externalsInitMs: Stats;
  /** The alternative: the same handler with the AWS SDK bundled in (minified), for comparison. */
  sdkBundled: { bundleBytes: number; initMs: Stats } | null;
  failures: string[];
}

const INIT_SCRIPT = `
const { performance } = require('node:perf_hooks');
const { createRequire } = require('node:module');
const load = createRequire(process.env.BENCH_BUNDLE);
const started = performance.now();
if (process.env.BENCH_ONLY) for (const name of process.env.BENCH_ONLY.split(',')) load(name);
else load(process.env.BENCH_BUNDLE);
process.stdout.write(JSON.stringify({ initMs: performance.now() - started, rssMb: process.memoryUsage().rss / 1048576 }));
`;

/** authorizer, auth, model: the infra/stack.ts name, from the logical id (AuthorizerFunction1A2B…). */
export function shortName(fn: LambdaModel): string {
  const base = fn.logicalId.replace(/Function[0-9A-F]{8}$/, '');
  return base.charAt(0).toLowerCase() + base.slice(1);
}

function assetFiles(dir: string): { file: string; bytes: number; zipped: number }[] {
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((file) => {
      const data = readFileSync(join(dir, file));
      // A zip entry: its deflated data plus ~76 bytes of local and central headers and the name.
      return { file, bytes: data.length, zipped: deflateRawSync(data, { level: 9 }).length + 76 + 2 * file.length };
    });
}

/** infra/bundle.ts's Lambda options, minus `external`: what the bundle would be with the SDK inside. */
function bundleWithSdk(root: string, name: string): { dir: string; file: string } | null {
  const entry = join(root, 'functions', name, 'index.ts');
  if (!existsSync(entry)) return null;
  const dir = mkdtempSync(join(tmpdir(), `tollgate-bench-${name}-`));
  const file = join(dir, 'index.js');
  buildSync({ entryPoints: [entry], outfile: file, bundle: true, format: 'cjs', platform: 'node', target: 'node24', minify: true, keepNames: true, legalComments: 'none', logLevel: 'error' });
  return { dir, file };
}

export function measureColdStarts(stack: StackModel, runs: number, log: (line: string) => void, root: string, withSdkBundled: readonly string[] = []): ColdStart[] {
  const out: ColdStart[] = [];
  // Our functions (…Function<hash>), not CDK's own helpers such as the log-retention one.
  for (const fn of [...stack.lambdas.values()].filter((l) => /Function[0-9A-F]{8}$/.test(l.logicalId))) {
    const name = shortName(fn);
    const bundle = join(fn.codeDir, fn.handler.split('.')[0]! + '.js');
    const code = readFileSync(bundle);
    const files = assetFiles(fn.codeDir);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, String(stack.resolve(v))])),
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      LAMBDA_TASK_ROOT: fn.codeDir,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TZ: 'UTC',
      BENCH_BUNDLE: bundle,
    };
    const externals = [...new Set([...code.toString('utf8').matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]!))].sort();
    const failures: string[] = [];
    const rss: number[] = [];
    const measure = (extra: Record<string, string>) => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = spawnSync(process.execPath, ['-e', INIT_SCRIPT], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 20_000 });
        try {
          const out = JSON.parse(r.stdout) as { initMs: number; rssMb: number };
          times.push(out.initMs);
          if (Object.keys(extra).length === 0) rss.push(out.rssMb);
        } catch {
          failures.push((r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 3).join(' | '));
        }
      }
      return times;
    };
    const times = measure({});
    const externalTimes = externals.length > 0 ? measure({ BENCH_ONLY: externals.join(',') }) : [];
    let sdkBundled: ColdStart['sdkBundled'] = null;
    const variant = withSdkBundled.includes(name) ? bundleWithSdk(root, name) : null;
    if (variant) {
      try {
        sdkBundled = { bundleBytes: statSync(variant.file).size, initMs: stats(measure({ BENCH_BUNDLE: variant.file })) };
      } finally {
        rmSync(variant.dir, { recursive: true, force: true });
      }
    }
    const result: ColdStart = {
      name,
      functionName: fn.functionName,
      memoryMb: fn.memoryMb,
      bundleBytes: code.length,
      bundleGzipBytes: gzipSync(code, { level: 9 }).length,
      assetFiles: files.map(({ file, bytes }) => ({ file, bytes })),
      assetZipBytes: files.reduce((s, f) => s + f.zipped, 22),
      runs,
      initMs: stats(times),
      rssMb: stats(rss),
      externals,
      externalsInitMs: stats(externalTimes),
      sdkBundled,
      failures,
    };
    log(
      `  ${name.padEnd(10)} bundle ${(result.bundleBytes / 1000).toFixed(1).padStart(7)} kB  init median ${round(result.initMs.p50, 1)} ms over ${times.length} processes` +
        (externals.length ? ` (its AWS SDK packages alone: ${round(result.externalsInitMs.p50, 1)} ms)` : '') +
        (sdkBundled ? `; with the SDK bundled in: ${(sdkBundled.bundleBytes / 1000).toFixed(1)} kB, ${round(sdkBundled.initMs.p50, 1)} ms` : ''),
    );
    out.push(result);
  }
  return out;
}
