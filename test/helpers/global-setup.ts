// Synthesizes the app once for the emulator and e2e suites (cached by input hash), with the
// stack's default configuration whatever TOLLGATE_* the developer's shell has. Not needed when
// the e2e suite runs against a deployed stack (TOLLGATE_E2E_URL, see target.ts).
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT, synthIfChanged } from '../../emulator/synth.ts';

export const TEST_CDK_OUT = join(ROOT, '.tollgate', 'test-cdk.out');

export default async function setup(project: TestProject): Promise<void> {
  if (project.name === 'e2e' && process.env.TOLLGATE_E2E_URL) return;
  // Region-bound synth (infra/app.ts): pin it, so a developer's AWS profile cannot change the model IDs.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_'))), TOLLGATE_REGION: 'us-east-1' };
  await synthIfChanged(TEST_CDK_OUT, () => undefined, env);
}
