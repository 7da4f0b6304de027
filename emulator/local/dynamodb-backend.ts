// Which local DynamoDB serves the emulator: dynalite behind our transaction proxy (the default,
// nothing but Node), or AWS's own DynamoDB Local on the machine's Java (TOLLGATE_DYNAMODB=dynamodb-local).
import { join } from 'node:path';
import { startDynamoDB, type LocalDynamoDB } from './dynamodb.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';

export const DYNAMODB_BACKENDS = ['dynalite', 'dynamodb-local'] as const;
export type DynamoDbBackend = (typeof DYNAMODB_BACKENDS)[number];

export function dynamoDbBackend(value: string | undefined): DynamoDbBackend {
  if (value === undefined || value === '') return 'dynalite';
  if ((DYNAMODB_BACKENDS as readonly string[]).includes(value)) return value as DynamoDbBackend;
  throw new Error(`TOLLGATE_DYNAMODB must be one of ${DYNAMODB_BACKENDS.join(', ')}. Received: ${value}`);
}

export interface LocalDynamoOptions {
  /** The data folder: each backend keeps its own files under it. In memory when absent. */
  dataDir?: string;
  /** Where DynamoDB Local's package is kept once fetched. */
  cacheDir: string;
  port?: number;
}

export function startLocalDynamo(backend: DynamoDbBackend, options: LocalDynamoOptions): Promise<LocalDynamoDB> {
  if (backend === 'dynamodb-local') {
    return startDynamoDbLocal({ cacheDir: options.cacheDir, path: options.dataDir && join(options.dataDir, 'dynamodb-local'), port: options.port });
  }
  return startDynamoDB({ path: options.dataDir && join(options.dataDir, 'dynamodb'), port: options.port });
}
