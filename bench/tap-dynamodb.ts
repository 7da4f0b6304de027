// Stands in for emulator/local/dynamodb-backend.ts when bench/index.ts redirects emulator/start.ts
// to it: the real local DynamoDB, with the counting proxy in front while the tap is armed.
import { startLocalDynamo as startReal, type DynamoDbBackend, type LocalDynamoOptions } from '../emulator/local/dynamodb-backend.ts';
import type { LocalDynamoDB } from '../emulator/local/dynamodb.ts';
import { fronted } from './tap.ts';

export * from '../emulator/local/dynamodb-backend.ts';

export async function startLocalDynamo(backend: DynamoDbBackend, opts: LocalDynamoOptions): Promise<LocalDynamoDB> {
  return fronted('dynamodb', await startReal(backend, opts));
}
