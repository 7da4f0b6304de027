// npm test's static checks: tsc and ESLint at the same time (each keeps one core busy), each
// one's output printed whole once it ends, and a failure of either fails the run. Both keep a
// cache in node_modules/.cache, so a second run checks only what changed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../emulator/synth.ts';

const CACHE = join(ROOT, 'node_modules', '.cache', 'tollgate');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

const CHECKS = [
  { name: 'tsc --noEmit', command: bin('tsc'), args: ['--noEmit', '-p', '.', '--incremental', '--tsBuildInfoFile', join(CACHE, 'tsbuildinfo')] },
  { name: 'eslint', command: bin('eslint'), args: ['.', '--cache', '--cache-location', join(CACHE, 'eslint')] },
];

function run(check: (typeof CHECKS)[number]): Promise<{ name: string; code: number; output: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(check.command, check.args, { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ name: check.name, code: code ?? 1, output, seconds: (performance.now() - started) / 1000 }));
  });
}

const results = await Promise.all(CHECKS.map(run));
for (const r of results) {
  process.stdout.write(`${r.code === 0 ? '✓' : '✗'} ${r.name} (${r.seconds.toFixed(1)} s)\n`);
  if (r.output.trim()) process.stdout.write(r.output.trimEnd() + '\n');
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
