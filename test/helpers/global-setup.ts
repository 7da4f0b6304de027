// Synthesizes the app once for the emulator and e2e suites (cached by input hash), with the
// stack's default configuration whatever TOLLGATE_* the developer's shell has.
import { join } from 'node:path';
import { ROOT, synthIfChanged } from '../../emulator/synth.ts';

export const TEST_CDK_OUT = join(ROOT, '.tollgate', 'test-cdk.out');

export default async function setup(): Promise<void> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_')));
  await synthIfChanged(TEST_CDK_OUT, () => undefined, env);
}
