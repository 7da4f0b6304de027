// Synthesizes the app once for the emulator and e2e suites (cached by input hash), with the
// stack's default configuration whatever TOLLGATE_* the developer's shell has. Not needed when
// the e2e suite runs against a deployed stack (TOLLGATE_E2E_URL, see target.ts).
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT, synthIfChanged } from '../../emulator/synth.ts';

export const TEST_CDK_OUT = join(ROOT, '.tollgate', 'test-cdk.out');

/**
 * The environment the shared test assembly is synthesized with: the stack's defaults whatever
 * TOLLGATE_* the developer's shell has, and a pinned Region (the synth is region-bound,
 * infra/app.ts), so a developer's AWS profile cannot change the model IDs. A test that starts a
 * process on TEST_CDK_OUT builds its environment on this one: any other stack setting or Region
 * changes the inputs' hash, and that process would synthesize into the shared folder while
 * another one does the same (cdk refuses the second: "Another CLI is currently synthing").
 */
export function testSynthEnv(): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_'))), TOLLGATE_REGION: 'us-east-1' };
}

export default async function setup(project: TestProject): Promise<void> {
  if (project.name === 'e2e' && process.env.TOLLGATE_E2E_URL) return;
  await synthIfChanged(TEST_CDK_OUT, () => undefined, testSynthEnv());
}
