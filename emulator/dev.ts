// `npm run dev`: `npm start` (emulator/main.ts) as a child process, restarted on every save under
// schema.graphql, cdk.json, infra/, resolvers/, functions/ and emulator/ itself (the dev model,
// the local services), on the same port with the same data. Directories are watched, not files:
// editors that save by replacing the file (vim, JetBrains "safe write", sed -i) give it a new inode,
// which a watch on the old one never reports.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, synthIfChanged } from './synth.ts';
import { settingsFromEnv } from './settings.ts';
import { watchSources } from './watch.ts';

const ROOT_FILES = new Set(['schema.graphql', 'cdk.json']);
const TREES = ['infra', 'resolvers', 'functions', 'emulator'];

const log = (line: string) => process.stdout.write(line + '\n');
let cdkOut: string;
try {
  cdkOut = settingsFromEnv().cdkOut;
} catch (error) {
  process.stderr.write(`\nTollgate could not start: ${(error as Error).message}\n`);
  process.exit(1);
}

let child: ChildProcess | undefined;
let pending: NodeJS.Timeout | undefined;
let running = Promise.resolve();
let stopping = false;

function stopChild(): Promise<void> {
  const current = child;
  child = undefined;
  if (!current || current.exitCode !== null || current.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => current.kill('SIGKILL'), 10_000);
    current.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    current.kill('SIGTERM');
  });
}

/** Starts emulator/main.ts and resolves once it serves (or has failed, having said why). */
function startChild(reason: string, started: number): Promise<void> {
  return new Promise((resolve) => {
    const next = fork(join(ROOT, 'emulator', 'main.ts'), ['--dev'], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    child = next;
    next.on('message', (message: { ready?: boolean; graphqlUrl?: string }) => {
      if (!message.ready) return;
      log(`✔ ${reason}: serving ${message.graphqlUrl} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
      resolve();
    });
    next.once('exit', (code) => {
      if (child === next) child = undefined;
      if (!stopping && code !== 0 && code !== null) log(`\n✖ The API stopped (exit code ${code}). Fix and save to retry.\n`);
      resolve();
    });
  });
}

async function reload(reason: string): Promise<void> {
  const started = performance.now();
  try {
    await synthIfChanged(cdkOut, log);
  } catch (error) {
    // Keep serving the last good build; say what is wrong and wait for the next save.
    log(`\n✖ ${(error as Error).message}\n  ${child ? 'Still serving the previous build. ' : ''}Fix and save to retry.\n`);
    return;
  }
  await stopChild();
  if (!stopping) await startChild(reason, started);
}

function schedule(path: string): void {
  clearTimeout(pending);
  pending = setTimeout(() => {
    running = running.then(() => reload(`changed ${path}`));
  }, 200);
}

const unwatch = watchSources(ROOT, TREES, ROOT_FILES, schedule);
running = reload('started');
log('Watching schema.graphql, cdk.json, infra/, resolvers/, functions/ and emulator/ (Ctrl-C to stop).');

const shutdown = () => {
  if (stopping) return;
  stopping = true;
  unwatch();
  clearTimeout(pending);
  void stopChild().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
