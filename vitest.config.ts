// Test projects by scope (STYLE.md): unit (pure), infra (CDK template), emulator (AppSync
// behaviour in-process), dynamodb (the DynamoDB-facing emulator tests, run on DynamoDB Local),
// e2e (the whole API over HTTP), browser (the explorer in Chromium; not
// part of npm test, run it with npm run test:browser).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
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
          include: ['test/emulator/local-dynamodb.test.ts', 'test/emulator/dynamodb-datasource.test.ts', 'test/emulator/quota.test.ts', 'test/emulator/identity.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/dynamodb-local-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
