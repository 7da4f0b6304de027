// Fetches DynamoDB Local once before the test files start in parallel, when the run uses it.
import { join } from 'node:path';
import { ensureDynamoDbLocal } from '../../emulator/local/dynamodb-local.ts';
import { ROOT } from '../../emulator/synth.ts';
import { TEST_DYNAMODB } from './dynamodb.ts';

export default function setup(): void {
  if (TEST_DYNAMODB === 'dynamodb-local') ensureDynamoDbLocal(join(ROOT, '.tollgate', 'cache'), (line) => process.stdout.write(`${line}\n`));
}
