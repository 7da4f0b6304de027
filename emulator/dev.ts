// `npm run dev`: like `npm start`, and on every save under schema.graphql, resolvers/,
// functions/ or infra/ it re-synthesizes and restarts the API on the same port with the same data.
import { watch } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from './start.ts';
import { settingsFromEnv } from './settings.ts';
import { ROOT, synthIfChanged } from './synth.ts';

// The SDK warns that it will soon need Node.js 22; Lambda runs 24, so it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const settings = settingsFromEnv();
const log = (line: string) => process.stdout.write(line + '\n');

let current: Emulator | undefined;
let pending: NodeJS.Timeout | undefined;
let running = Promise.resolve();

async function reload(reason: string): Promise<void> {
  const started = performance.now();
  try {
    await synthIfChanged(settings.cdkOut, log);
  } catch (error) {
    // Keep serving the last good build; say what is wrong and wait for the next save.
    log(`\n✖ ${(error as Error).message}\n  Still serving the previous build. Fix and save to retry.\n`);
    return;
  }
  await current?.close();
  current = undefined;
  try {
    current = await startEmulator(settings);
    log(`✔ ${reason}: serving ${current.graphqlUrl} (API key ${current.apiKey}) after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    log(`\n✖ ${(error as Error).message}\n  Fix and save to retry.\n`);
  }
}

function schedule(reason: string): void {
  clearTimeout(pending);
  pending = setTimeout(() => {
    running = running.then(() => reload(reason));
  }, 250);
}

for (const path of ['schema.graphql', 'resolvers', 'functions', 'infra']) {
  watch(join(ROOT, path), { recursive: true }, (_event, file) => schedule(`changed ${path}${file && path !== 'schema.graphql' ? '/' + String(file) : ''}`));
}
running = reload('started');
log('Watching schema.graphql, resolvers/, functions/ and infra/ (Ctrl-C to stop).');
process.once('SIGINT', () => void current?.close().then(() => process.exit(0)));
process.once('SIGTERM', () => void current?.close().then(() => process.exit(0)));
