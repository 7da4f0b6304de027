// `npm start`: synthesize if needed, then serve the API offline and say how to use it. `npm run
// dev` runs this same file as its child (--dev), restarting it on every save.
import { mkdirSync } from 'node:fs';
import { banner } from './banner.ts';
import { lockDataFolder } from './lock.ts';
import { startEmulator } from './start.ts';
import { localModelWarning, nodeVersionWarning, settingsFromEnv, unknownSettingWarnings } from './settings.ts';
import { synthIfChanged } from './synth.ts';

// The SDK warns that it will soon need Node.js 22; Lambda runs 24, so it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dev = process.argv.includes('--dev');

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(line + '\n');
  const warn = (line: string) => process.stderr.write(`⚠ ${line}\n`);
  for (const warning of [nodeVersionWarning(), ...unknownSettingWarnings()]) if (warning) warn(warning);
  const settings = settingsFromEnv();
  const model = localModelWarning(settings.localModel?.url);

  // Refuse a second API on this data folder before anything slow (a synth) happens.
  const owner = dev ? 'npm run dev' : 'npm start';
  mkdirSync(settings.dataDir, { recursive: true });
  const release = lockDataFolder(settings.dataDir, owner);
  process.once('exit', release);

  await synthIfChanged(settings.cdkOut, log);
  const emulator = await startEmulator({ ...settings, owner, lockHeld: true });
  log(banner(emulator, settings));
  const unreachable = await model;
  if (unreachable) warn(unreachable);
  process.send?.({ ready: true, graphqlUrl: emulator.graphqlUrl, apiKey: emulator.apiKey });

  const stop = async () => {
    if (!dev) log('Stopping…');
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`\nTollgate could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
