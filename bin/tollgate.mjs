#!/usr/bin/env node
// Launcher for the Tollgate CLI (client/cli.ts). The CLI is bundled into one ES module with
// esbuild on first use, and again whenever one of its sources changes, so every run starts as
// plain JavaScript: a TypeScript loader would add about a second to each command.
// `evaluate-code` (the emulator's EvaluateCode) and `doctor` (the operator's check, admin/doctor)
// are not part of the client: they run through tsx, as the repository's other tools do.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const cache = join(root, 'node_modules', '.cache', 'tollgate');
const bundle = join(cache, 'cli.mjs');
const inputs = join(cache, 'cli.inputs.json');

/** True when the bundle exists and none of the files it was built from changed since. */
function fresh() {
  try {
    statSync(bundle);
    const built = JSON.parse(readFileSync(inputs, 'utf8'));
    return built.every(([file, mtimeMs]) => statSync(join(root, file)).mtimeMs === mtimeMs);
  } catch {
    return false;
  }
}

async function buildClient() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: ['client/cli.ts'],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // node_modules stay imports: found from node_modules/.cache/tollgate by walking up.
    packages: 'external',
    outfile: bundle,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  mkdirSync(cache, { recursive: true });
  // Written whole and renamed into place: several commands may start at once.
  const tmp = `${bundle}.${process.pid}.tmp`;
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, bundle);
  const stamps = Object.keys(result.metafile.inputs).map((file) => [file, statSync(join(root, file)).mtimeMs]);
  writeFileSync(`${inputs}.${process.pid}.tmp`, JSON.stringify(stamps));
  renameSync(`${inputs}.${process.pid}.tmp`, inputs);
}

const command = process.argv[2];
if (command === 'evaluate-code' || command === 'doctor') {
  const { register } = await import('tsx/esm/api');
  register();
  if (command === 'evaluate-code') {
    await import('../emulator/appsync-js/evaluate-code-cli.ts');
  } else {
    const { run } = await import('../admin/doctor/index.ts');
    run(process.argv.slice(3));
  }
} else {
  if (!fresh()) await buildClient();
  await import(pathToFileURL(bundle).href);
}
