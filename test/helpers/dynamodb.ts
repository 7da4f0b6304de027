// The local DynamoDB a DynamoDB-facing test talks to: dynalite behind our transaction proxy, or
// AWS's DynamoDB Local when the run sets TOLLGATE_DYNAMODB=dynamodb-local (npm run
// test:dynamodb-local), so the same tests hold both to the same answers.
import { join } from 'node:path';
import { dynamoDbBackend, startLocalDynamo } from '../../emulator/local/dynamodb-backend.ts';
import type { LocalDynamoDB } from '../../emulator/local/dynamodb.ts';
import { ROOT } from '../../emulator/synth.ts';

export const TEST_DYNAMODB = dynamoDbBackend(process.env.TOLLGATE_DYNAMODB);

export function startTestDynamoDB(options: { dataDir?: string } = {}): Promise<LocalDynamoDB> {
  return startLocalDynamo(TEST_DYNAMODB, { dataDir: options.dataDir, cacheDir: join(ROOT, '.tollgate', 'cache'), port: 0 });
}
