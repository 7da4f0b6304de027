// @dataSource PromptsTable
// The caller's prompt log, newest first, a page at a time.
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import type { PromptPage, PromptRecord, PromptStatus, QueryMyPromptsArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { internalError, validationError } from './lib/errors.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

interface PromptItem {
  id: string;
  prompt: string;
  response?: string;
  model: string;
  status: PromptStatus;
  inputTokens?: number;
  outputTokens?: number;
  createdAt: string;
}

export function request(ctx: Context<QueryMyPromptsArgs>): DynamoDBQueryRequest {
  const caller = callerOf(ctx);
  const limit = ctx.args.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) {
    validationError('limit', 'outOfRange', `limit must be from 1 to ${MAX_LIMIT}. Received: ${limit}`);
  }
  return {
    operation: 'Query',
    query: { expression: 'userId = :userId', expressionValues: { ':userId': { S: caller.userId } } },
    scanIndexForward: false,
    limit,
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context<QueryMyPromptsArgs>): PromptPage {
  if (ctx.error) {
    if (ctx.args.nextToken && ctx.error.type === 'DynamoDB:ValidationException') {
      validationError('nextToken', 'invalid', 'nextToken is not one this API gave you. Start again without it.');
    }
    internalError('myPrompts', ctx.error);
  }
  const page = ctx.result as { items: PromptItem[]; nextToken: string | null };
  const items: PromptRecord[] = page.items.map((item) => ({
    id: item.id,
    prompt: item.prompt,
    response: item.response ?? null,
    model: item.model,
    status: item.status,
    usage: item.inputTokens !== undefined ? { inputTokens: item.inputTokens, outputTokens: item.outputTokens ?? 0 } : null,
    createdAt: item.createdAt,
  }));
  return { items, nextToken: page.nextToken ?? null };
}
