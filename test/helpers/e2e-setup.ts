// The e2e project's API: one emulator for all its files, started here in vitest's main process
// and handed to the files through provide/inject (they only speak HTTP to it), or nothing when
// TOLLGATE_E2E_URL names a deployed stack (see target.ts).
import type { TestProject } from 'vitest/node';
import synthOnce from './global-setup.ts';
import { startTestEmulator } from './emulator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared emulator of the e2e project; null when the tests run against a deployed stack. */
    e2eEmulator: { graphqlUrl: string; apiKey: string } | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.TOLLGATE_E2E_URL || process.env.TOLLGATE_E2E_API_KEY) {
    project.provide('e2eEmulator', null);
    return async () => undefined;
  }
  await synthOnce(project);
  const api = await startTestEmulator();
  project.provide('e2eEmulator', { graphqlUrl: api.graphqlUrl, apiKey: api.apiKey });
  return () => api.stop();
}
