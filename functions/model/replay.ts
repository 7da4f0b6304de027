// Idempotent retries: finds the first attempt's answer for a (user, day, key), waiting while
// that attempt is still with the model, so concurrent duplicates get the same answer.
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReplayData, ReplayEvent } from '../commons/contracts.ts';
import { ModelError } from '../commons/errors.ts';

export interface ReplayTables {
  usage: string;
  prompts: string;
}

interface PromptItem {
  id: string;
  prompt: string;
  response?: string;
  model: string;
  status: 'COMPLETED' | 'FAILED' | 'BLOCKED';
  queries?: number;
  balance?: number;
  inputTokens?: number;
  outputTokens?: number;
  createdAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function replay(db: DynamoDBDocumentClient, tables: ReplayTables, event: ReplayEvent, deadline: number): Promise<ReplayData> {
  const { userId, day, idempotencyKey } = event.replay;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const usage = await db.send(new GetCommand({ TableName: tables.usage, Key: { userId, day }, ConsistentRead: true }));
    const promptId = usage.Item?.[`idem:${idempotencyKey}`] as string | undefined;
    // No claim: the first attempt failed and was refunded, or this was never a duplicate.
    if (!promptId) return { found: false, result: null };
    const logged = await db.send(new GetCommand({ TableName: tables.prompts, Key: { userId, id: promptId }, ConsistentRead: true }));
    const item = logged.Item as PromptItem | undefined;
    if (item && (item.status === 'COMPLETED' || item.status === 'BLOCKED')) {
      return {
        found: true,
        result: {
          id: item.id,
          prompt: item.prompt,
          response: item.response ?? '',
          model: item.model,
          queries: item.queries ?? 0,
          balance: item.balance ?? 0,
          usage: { inputTokens: item.inputTokens ?? 0, outputTokens: item.outputTokens ?? 0 },
          createdAt: item.createdAt,
          status: item.status,
        },
      };
    }
    if (Date.now() + delay > deadline) {
      throw new ModelError('The first request with this idempotency key is still being answered. Retry in a moment.', true);
    }
    await sleep(delay);
  }
}
