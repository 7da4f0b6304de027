// Small helpers to talk to a running emulator from bench code: GraphQL over HTTP with the
// per-step timings, and per-user limits written straight into the Users table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { print, type DocumentNode } from 'graphql';
import type { Emulator } from '../emulator/start.ts';
import { fetchFrom } from '../test/helpers/loopback.ts';
import type { Timings } from './load.ts';

export const PASSWORD = 'correct horse battery staple';

/** The emulator prints localhost; the bench only ever talks to 127.0.0.1. */
export function loopback(url: string): string {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') u.hostname = '127.0.0.1';
  return u.toString();
}

export interface GraphQLReply<T> {
  status: number;
  data: T | null;
  errorType: string | null;
  timings: Timings | null;
}

export type Auth = { apiKey: string } | { token: string };

export function headersFor(auth: Auth): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-tollgate-timings': '1',
    ...('apiKey' in auth ? { 'x-api-key': auth.apiKey } : { authorization: `Bearer ${auth.token}` }),
  };
}

export function operationName(document: DocumentNode): string {
  for (const def of document.definitions) if (def.kind === 'OperationDefinition' && def.name) return def.name.value;
  return 'anonymous';
}

export function bodyFor(document: DocumentNode, variables: Record<string, unknown>): string {
  return JSON.stringify({ query: print(document), operationName: operationName(document), variables });
}

/** One request; `from` sends it from that loopback address (a client of its own for per-IP limits). */
export async function graphql<T>(url: string, auth: Auth, document: DocumentNode, variables: Record<string, unknown> = {}, from?: string): Promise<GraphQLReply<T>> {
  const res = await (from ? fetchFrom(from) : fetch)(url, { method: 'POST', headers: headersFor(auth), body: bodyFor(document, variables), signal: AbortSignal.timeout(30_000) });
  const body = (await res.json().catch(() => ({}))) as { data?: T | null; errors?: { errorType?: string }[]; extensions?: { tollgate?: Timings } };
  const first = body.errors?.[0];
  return { status: res.status, data: body.data ?? null, errorType: first ? (first.errorType ?? 'Error') : res.status === 200 ? null : `HTTP ${res.status}`, timings: body.extensions?.tollgate ?? null };
}

export function documentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
}

export interface UserLimits {
  dailyPromptLimit: number;
  promptsPerMinute: number;
  dailyTokenLimit: number;
  promptsInFlight: number;
}

/** What the admin command does: per-user limits on the user's item (the authorizer passes them on). */
export async function setLimits(api: Emulator, emails: string[], limits: UserLimits): Promise<void> {
  const db = documentClient(api.dynamodbUrl);
  try {
    for (const email of emails) {
      await db.send(
        new UpdateCommand({
          TableName: api.tableName('UsersTable'),
          Key: { email },
          UpdateExpression: 'SET dailyPromptLimit = :d, promptsPerMinute = :m, dailyTokenLimit = :t, promptsInFlight = :f',
          ConditionExpression: 'attribute_exists(email)',
          ExpressionAttributeValues: { ':d': limits.dailyPromptLimit, ':m': limits.promptsPerMinute, ':t': limits.dailyTokenLimit, ':f': limits.promptsInFlight },
        }),
      );
    }
  } finally {
    db.destroy();
  }
}

/** Runs fn over items with at most `limit` in flight. */
export async function inBatches<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
