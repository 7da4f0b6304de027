// What the streaming tests share: an SDK client that streams over the `ws` package (Node 20), the
// events of a stream collected, and the user's books once every stream has ended.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { WebSocket as NodeWebSocket } from 'ws';
import { createClient, type PromptStreamEvent, type TollgateClient } from '../../client/index.ts';
import { claimKey } from '../../resolvers/lib/claim.ts';
import { streamLeaseMs } from '../../resolvers/lib/prompt.ts';
import { checkBooks } from './books.ts';
import { documentClientOf, type TestEmulator, type TestUser } from './emulator.ts';
import { fetchFrom, nextLoopbackAddress } from './loopback.ts';

/** The `ws` package as the SDK's WebSocket on Node 20 (its constructor has overloads the SDK's type does not list). */
export class NodeSocket extends NodeWebSocket {
  constructor(url: string, protocols: string[]) {
    super(url, protocols);
  }
}

/** The user's SDK client, streaming, from its own loopback address. */
export function streamingClient(api: TestEmulator, user: TestUser, options: { catchUpIntervalMs?: number; streamIdleMs?: number } = {}): TollgateClient {
  return createClient({ url: api.graphqlUrl, apiKey: api.apiKey, token: user.token, fetch: fetchFrom(nextLoopbackAddress()), WebSocket: NodeSocket, catchUpIntervalMs: 50, ...options });
}

export async function collect(stream: AsyncIterable<PromptStreamEvent>): Promise<PromptStreamEvent[]> {
  const out: PromptStreamEvent[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

export const textOf = (events: PromptStreamEvent[]) => events.map((e) => (e.kind === 'TEXT' ? e.text : '')).join('');

/**
 * The user's books once the streams ended. A settled stream leaves its usage item in the
 * reconciler's index until its lease's deadline (lib/prompt.ts streamLeaseMs, at most the
 * function's 900 s plus the event age): the clock moves past that and the reconciler tidies it.
 */
export async function streamBooks(api: TestEmulator, user: TestUser, dailyTokens: number) {
  await api.lambdaAsync.idle();
  const day = new Date(api.clock.now()).toISOString().slice(0, 10);
  api.clock.set(api.clock.now() + streamLeaseMs(900) + 31_000);
  await api.schedules.run('ReconcileSchedule');
  return checkBooks(documentClientOf(api), api, user.id, day, dailyTokens);
}

/** A prompt id's claim item as the Prompts table holds it (resolvers/lib/claim.ts): only a streamed prompt has one. */
export async function claimItem(api: TestEmulator, id: string): Promise<Record<string, unknown> | undefined> {
  const key = claimKey(id);
  const out = await documentClientOf(api).send(new GetCommand({ TableName: api.tableName('PromptsTable'), Key: { userId: key.userId.S, id: key.id.S }, ConsistentRead: true }));
  return out.Item;
}
