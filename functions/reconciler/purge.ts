// Purging deleted conversations, on the reconciler's schedule: deleteConversation marks a header
// deleted (unreadable at once) and names it in the Conversations table's ByPurge index; here each
// one older than PURGE_AFTER_MS is emptied — its turns' prompt log records found page by page on
// the Prompts table's ByConversation index and deleted one by one (a batch write costs the same
// units, and the stack grants no batch writes anywhere) — and then its header is
// deleted, which takes it out of the index. Work per run is bounded; what is left waits a minute.
// Every step can run twice (a deleted record or header is simply not there any more).
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { intEnv } from '../commons/env.ts';
import { streamSettledMs } from '../../resolvers/lib/settlement.ts';

/**
 * A conversation is purged this long after its deletion: past any lease (30 s, a streamed
 * prompt's as long as its function may run) and the reconciler's grace, so prompts admitted
 * before the deletion have settled their records first (a streamed turn settled after the purge
 * would outlive its conversation), and a streamed turn's claim no longer shows it STREAMING.
 */
export const PURGE_AFTER_MS = Math.max(90_000, streamSettledMs(intEnv('STREAM_TIMEOUT_SECONDS', 0)));
/** Records deleted per run at most, well within the reconciler's 25 s. */
const MAX_RECORDS = intEnv('PURGE_MAX_RECORDS', 1000);
/** Deletes in flight at once. */
const PARALLEL = 10;

export interface PurgeTables {
  conversations: string;
  prompts: string;
}

export interface PurgeReport {
  /** Conversations emptied and removed. */
  conversations: number;
  /** Turn records deleted. */
  turns: number;
}

/** Purges what the ByPurge index names as deleted before `nowMs - PURGE_AFTER_MS`. */
export async function purgeDeleted(client: DynamoDBClient, tables: PurgeTables, nowMs: number): Promise<PurgeReport> {
  const report: PurgeReport = { conversations: 0, turns: 0 };
  const cutoff = new Date(nowMs - PURGE_AFTER_MS).toISOString();
  const due = await client.send(
    new QueryCommand({
      TableName: tables.conversations,
      IndexName: 'ByPurge',
      KeyConditionExpression: 'purge = :due AND deletedAt <= :cutoff',
      ExpressionAttributeValues: { ':due': { S: 'due' }, ':cutoff': { S: cutoff } },
      Limit: 100,
    }),
  );
  for (const key of due.Items ?? []) {
    const { userId, id } = unmarshall(key) as { userId: string; id: string };
    const done = await purgeTurns(client, tables, userId, id, report);
    if (!done) break;
    try {
      // Only a header still marked deleted: nothing else ever removes the mark.
      await client.send(
        new DeleteItemCommand({
          TableName: tables.conversations,
          Key: { userId: { S: userId }, id: { S: id } },
          ConditionExpression: 'deleted = :yes',
          ExpressionAttributeValues: { ':yes': { BOOL: true } },
        }),
      );
      report.conversations += 1;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  return report;
}

/** Deletes a conversation's turn records; false when the run's budget ran out first. */
async function purgeTurns(client: DynamoDBClient, tables: PurgeTables, userId: string, id: string, report: PurgeReport): Promise<boolean> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    if (report.turns >= MAX_RECORDS) return false;
    const page = await client.send(
      new QueryCommand({
        TableName: tables.prompts,
        IndexName: 'ByConversation',
        KeyConditionExpression: 'conversationKey = :key',
        ExpressionAttributeValues: { ':key': { S: `${userId}#${id}` } },
        ProjectionExpression: 'userId, id',
        ExclusiveStartKey: start,
        Limit: 100,
      }),
    );
    const keys = (page.Items ?? []).map((item) => ({ userId: item.userId!, id: item.id! }));
    for (let i = 0; i < keys.length; i += PARALLEL) {
      await Promise.all(keys.slice(i, i + PARALLEL).map((Key) => client.send(new DeleteItemCommand({ TableName: tables.prompts, Key }))));
    }
    report.turns += keys.length;
    start = page.LastEvaluatedKey;
  } while (start);
  return true;
}
