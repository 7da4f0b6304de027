// Stands in for emulator/local/dynamodb.ts when bench/index.ts redirects emulator/start.ts to it:
// the real local DynamoDB, with the counting proxy in front while the tap is armed.
import { startDynamoDB as startReal, type DynamoDBOptions, type LocalDynamoDB } from '../emulator/local/dynamodb.ts';
import { startCountingProxy, tap } from './tap.ts';

export * from '../emulator/local/dynamodb.ts';

export async function startDynamoDB(opts: DynamoDBOptions): Promise<LocalDynamoDB> {
  const real = await startReal(opts);
  if (!tap.armed) return real;
  const proxy = await startCountingProxy('dynamodb', real.url);
  tap.installed.dynamodb = true;
  return {
    ...real,
    url: proxy.url,
    port: proxy.port,
    close: async () => {
      await proxy.close();
      await real.close();
    },
  };
}
