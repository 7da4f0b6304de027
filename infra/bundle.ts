// The one esbuild helper: resolvers as AppSync wants them, Lambda handlers as Lambda wants them.
import { buildSync, type BuildOptions } from 'esbuild';
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
/** AppSync refuses resolver code over 32 KB (EvaluateCode's limit; APPSYNC.md §1.1). */
export const MAX_RESOLVER_CODE_BYTES = 32_768;
export const BUILD_DIR = join(ROOT, 'build');

/** Outputs this process has built already: sources do not change during one synth or test file. */
const built = new Set<string>();

const RESOLVER_BUILD: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'esnext',
  external: ['@aws-appsync/utils'],
  sourcemap: 'inline',
  sourcesContent: false,
  logLevel: 'error',
};

function resolverOutfile(entry: string): string {
  return join(BUILD_DIR, 'resolvers', relative(join(ROOT, 'resolvers'), entry).replace(/\.ts$/, '.js'));
}

/**
 * The code a resolver file deploys as, byte for byte what bundleResolver writes, without writing
 * it: for resolver unit tests through evaluateCode and `tollgate evaluate-code --code x.ts`.
 */
export function resolverCode(entry: string): string {
  const out = buildSync({ ...RESOLVER_BUILD, entryPoints: [entry], outfile: resolverOutfile(entry), write: false });
  return out.outputFiles![0]!.text;
}

/**
 * APPSYNC_JS: one ES module, @aws-appsync/utils left as an import (AppSync supplies it),
 * inline source map without sources (AWS bundling guidance). Returns the output file.
 */
export function bundleResolver(entry: string): string {
  const outfile = resolverOutfile(entry);
  // One synth process builds each file once: tests synthesize the stack in several shapes.
  if (built.has(outfile)) return outfile;
  buildSync({ ...RESOLVER_BUILD, entryPoints: [entry], outfile, write: true });
  const size = statSync(outfile).size;
  if (size > MAX_RESOLVER_CODE_BYTES) {
    throw new Error(`${relative(ROOT, entry)} bundles to ${size} bytes; AppSync accepts at most ${MAX_RESOLVER_CODE_BYTES}. Split it or import less.`);
  }
  built.add(outfile);
  return outfile;
}

/**
 * A Lambda handler: one CommonJS file, minified, with a source map. The AWS SDK v3 is left to
 * the nodejs24.x runtime, which ships it: bundles stay small and cold starts short (the
 * authorizer runs on every uncached request). Locally the same file finds the SDK in the
 * project's node_modules, so the bundle that runs offline is the one that deploys.
 * Returns the asset directory (index.js, index.js.map and any data files).
 */
export function bundleFunction(name: string, files: string[] = []): string {
  const outdir = join(BUILD_DIR, 'functions', name);
  if (built.has(outdir)) return outdir;
  mkdirSync(outdir, { recursive: true });
  buildSync({
    entryPoints: [join(ROOT, 'functions', name, 'index.ts')],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    write: true,
    format: 'cjs',
    platform: 'node',
    target: 'node24',
    external: ['@aws-sdk/*'],
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  // Lambda's zip has no package.json above it; ours has "type": "module". Say it is CommonJS.
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  // Data files the handler reads from LAMBDA_TASK_ROOT.
  for (const file of files) copyFileSync(join(ROOT, 'functions', name, file), join(outdir, file));
  built.add(outdir);
  return outdir;
}
