// Test projects by scope (STYLE.md): unit (pure), infra (CDK template), emulator (AppSync
// behaviour in-process), dynamodb (the DynamoDB-facing emulator tests, run on DynamoDB Local),
// e2e (the whole API over HTTP, one shared emulator), browser (the web page in Chromium; not
// part of npm test, run it with npm run test:browser).
//
// Most files wait on servers, child processes and timers rather than on the CPU, so more files run
// at once than the machine has cores (vitest's default is cores - 1: one file at a time on a
// 2-core machine). Each file starts its own emulator on its own port and data folder.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirst from './test/helpers/sequencer.ts';

const workers = Math.max(4, availableParallelism() * 2);

/** schema.graphql as text, as the web build's esbuild text loader gives it (web/src/api-view/schema.ts). */
const graphqlAsText = {
  name: 'graphql-as-text',
  transform(code: string, id: string) {
    return id.endsWith('.graphql') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
  },
};

export default defineConfig({
  test: {
    maxWorkers: workers,
    reporters: ['default', './test/helpers/slowest-reporter.ts'],
    sequence: { sequencer: SlowFirst },
    projects: [
      // 20 s, not vitest's 5 s: the first evaluation of each resolver file builds its lint
      // program, which took over 5 s once on a loaded 2-core machine.
      { plugins: [graphqlAsText], test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
      {
        test: {
          name: 'emulator',
          include: ['test/emulator/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        // The DynamoDB-facing tests again, against AWS's DynamoDB Local (npm run test:dynamodb-local
        // sets TOLLGATE_DYNAMODB=dynamodb-local); not part of npm test, CI runs it.
        test: {
          name: 'dynamodb',
          include: ['test/emulator/local-dynamodb.test.ts', 'test/emulator/dynamodb-datasource.test.ts', 'test/emulator/quota.test.ts', 'test/emulator/identity.test.ts', 'test/emulator/reconciler.test.ts', 'test/emulator/faults.test.ts', 'test/emulator/conversations.test.ts', 'test/emulator/streamed-conversations.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/dynamodb-local-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/e2e-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Many users and prompts under injected AWS faults (npm run test:chaos); not part of npm test, CI runs it.
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/helpers/browser-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
