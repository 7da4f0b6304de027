// Synthesizes the CDK app when its inputs changed (sources, lockfile, TOLLGATE_* settings), so
// `npm start` always serves what `cdk deploy` would deploy.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../infra/config.ts';

export const ROOT = join(import.meta.dirname, '..');
const INPUTS = ['schema.graphql', 'cdk.json', 'package-lock.json', 'infra', 'resolvers', 'functions', 'generated'];
const STAMP = '.tollgate-inputs';

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => files(join(path, entry)));
}

export function inputsHash(env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((p) => files(join(ROOT, p)))) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  // Only the stack's settings change the template: a CLI password or a data folder must not
  // trigger a synth (the README test once re-synthesized the shared test assembly this way). The
  // app is also bound to a Region (infra/app.ts), which cdk takes from these when TOLLGATE_REGION
  // is unset.
  const regionInputs = ['TOLLGATE_REGION', 'CDK_DEFAULT_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE'];
  for (const name of [...new Set([...stackSettingNames(), ...regionInputs])].sort()) {
    // Hybrid mode's region is read by the emulator, not baked into the local template.
    if (name === 'TOLLGATE_BEDROCK_REGION' || env[name] === undefined) continue;
    hash.update(name).update('=').update(env[name] ?? '').update('\0');
  }
  return hash.digest('hex');
}

/** The names infra/config.ts reads, found by asking it, so a setting added there is known at once. */
export function stackSettingNames(): string[] {
  const names = new Set<string>();
  try {
    loadConfig((_key, name) => {
      names.add(name);
      return undefined;
    });
  } catch {
    // A cross-check of the defaults that fails has still read every name before it.
  }
  return [...names];
}

/**
 * What matters in a failed synth: esbuild's framed error (file:line and the code), or the
 * thrown error's one-line message (a bad TOLLGATE_* setting, a resolver file that names no
 * field); not the stack traces around them.
 */
export function essentials(output: string): string {
  const lines = output.split('\n');
  const framed = lines.findIndex((l) => l.startsWith('✘ [ERROR]'));
  if (framed !== -1) {
    const end = lines.findIndex((l, i) => i > framed && /^(node:internal|Error: Build failed|\s+at )/.test(l));
    return lines.slice(framed, end === -1 ? undefined : end).join('\n').trim();
  }
  const thrown = lines.find((l) => /^[A-Z]\w*(Error|Exception): /.test(l));
  return thrown ?? output.trim();
}

export class SynthError extends Error {
  override readonly name = 'SynthError';
}

/** Runs `cdk synth` into outdir unless the last synth there had the same inputs. */
export async function synthIfChanged(outdir: string, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const hash = inputsHash(env);
  const stamp = join(outdir, STAMP);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && existsSync(join(outdir, 'manifest.json'))) return false;
  log('Synthesizing the CDK app (sources or TOLLGATE_* settings changed)…');
  const cdk = join(ROOT, 'node_modules', '.bin', 'cdk');
  const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(cdk, ['synth', '--quiet', '--no-notices', '--output', outdir], { cwd: ROOT, env: { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', (code) => resolve({ code, text }));
  });
  if (output.code !== 0) {
    throw new SynthError(`cdk synth failed:\n${essentials(output.text)}`);
  }
  writeFileSync(stamp, hash);
  return true;
}
