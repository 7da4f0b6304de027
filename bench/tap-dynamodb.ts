// Stands in for emulator/local/dynamodb.ts when bench/index.ts redirects emulator/start.ts to it:
// the real local DynamoDB, with the counting proxy in front while the tap is armed.
import { startDynamoDB as startReal, type DynamoDBOptions, type LocalDynamoDB } from '../emulator/local/dynamodb.ts';
import { fronted } from './tap.ts';

export * from '../emulator/local/dynamodb.ts';

export async function startDynamoDB(opts: DynamoDBOptions): Promise<LocalDynamoDB> {
  return fronted('dynamodb', await startReal(opts));
}
