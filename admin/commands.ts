// The operator's commands: show a user, set per-user limits, disable/enable, revoke sessions,
// and today's usage. Each returns a plain object the CLI prints.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { emailFailuresKey } from '../functions/auth/admission.ts';
import { normalizeEmail } from '../functions/auth/credentials.ts';
import { AdminError, type Target } from './target.ts';

export const LIMIT_FIELDS = { daily: 'dailyPromptLimit', tokens: 'dailyTokenLimit', 'per-minute': 'promptsPerMinute', 'in-flight': 'promptsInFlight' } as const;
export type LimitOption = keyof typeof LIMIT_FIELDS;

interface UserItem {
  email: string;
  userId: string;
  passwordHash?: string;
  tokenVersion: number;
  disabled?: boolean;
  createdAt?: string;
  tokensRevokedAt?: string;
  dailyPromptLimit?: number;
  dailyTokenLimit?: number;
  promptsPerMinute?: number;
  promptsInFlight?: number;
}

/** The same normalization register and login apply, so the operator finds the account they made. */
const normalize = normalizeEmail;

async function user(target: Target, email: string): Promise<UserItem> {
  const out = await target.db.send(new GetCommand({ TableName: target.tables.users, Key: { email: normalize(email) }, ConsistentRead: true }));
  if (!out.Item) throw new AdminError(`No user ${normalize(email)} in ${target.description}.`);
  return out.Item as UserItem;
}

/** Changes a user only if it still exists (no accidental creation of half-users). */
async function update(target: Target, email: string, expression: string, values: Record<string, unknown> = {}, names?: Record<string, string>): Promise<void> {
  try {
    await target.db.send(
      new UpdateCommand({
        TableName: target.tables.users,
        Key: { email: normalize(email) },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(email)',
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
        ExpressionAttributeNames: names,
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new AdminError(`No user ${normalize(email)} in ${target.description}.`);
    throw error;
  }
}

export async function usage(target: Target, email: string, day = new Date().toISOString().slice(0, 10)) {
  const u = await user(target, email);
  const out = await target.db.send(new GetCommand({ TableName: target.tables.usage, Key: { userId: u.userId, day }, ConsistentRead: true }));
  const item = (out.Item ?? {}) as { queries?: number; inputTokens?: number; outputTokens?: number; tokens?: number };
  return { email: u.email, day, queries: item.queries ?? 0, inputTokens: item.inputTokens ?? 0, outputTokens: item.outputTokens ?? 0, tokensHeld: item.tokens ?? 0 };
}

export async function show(target: Target, email: string) {
  const u = await user(target, email);
  return {
    email: u.email,
    userId: u.userId,
    createdAt: u.createdAt ?? null,
    disabled: u.disabled === true,
    tokenVersion: u.tokenVersion,
    tokensRevokedAt: u.tokensRevokedAt ?? null,
    limits: {
      dailyPromptLimit: u.dailyPromptLimit ?? 'stack default',
      dailyTokenLimit: u.dailyTokenLimit ?? 'stack default',
      promptsPerMinute: u.promptsPerMinute ?? 'stack default',
      promptsInFlight: u.promptsInFlight ?? 'stack default',
    },
    today: await usage(target, email),
  };
}

/** Sets (a number) or clears ('default') per-user limits; they apply once the authorizer cache expires. */
export async function setLimits(target: Target, email: string, limits: Partial<Record<LimitOption, number | 'default'>>) {
  const sets: string[] = [];
  const removes: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [option, value] of Object.entries(limits) as [LimitOption, number | 'default' | undefined][]) {
    if (value === undefined) continue;
    const field = LIMIT_FIELDS[option];
    if (value === 'default') removes.push(field);
    else {
      sets.push(`${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  if (sets.length + removes.length === 0) throw new AdminError('Give at least one of --daily, --tokens, --per-minute, --in-flight (a number, or "default").');
  await update(target, email, [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].join(' ').trim(), values);
  return show(target, email);
}

/** Disabling also revokes every token, so it takes effect within the authorizer cache TTL. */
export async function disable(target: Target, email: string) {
  await update(target, email, 'SET disabled = :t, tokenVersion = tokenVersion + :one, tokensRevokedAt = :now', { ':t': true, ':one': 1, ':now': new Date().toISOString() });
  return show(target, email);
}

export async function enable(target: Target, email: string) {
  await update(target, email, 'REMOVE disabled');
  // The email's failure count from everywhere; each client's own failures expire with their window.
  await target.db.send(new DeleteCommand({ TableName: target.tables.rateLimits, Key: { key: emailFailuresKey(normalize(email)) } }));
  return show(target, email);
}

export async function revoke(target: Target, email: string) {
  await update(target, email, 'SET tokenVersion = tokenVersion + :one, tokensRevokedAt = :now', { ':one': 1, ':now': new Date().toISOString() });
  return show(target, email);
}
