// Lambda data source for Mutation.register and Mutation.login.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { AuthEvent, LoginData, LoginEvent, Outcome, RegisterData, RegisterEvent } from '../commons/contracts.ts';
import { dynamo } from '../commons/dynamo.ts';
import { intEnv, requireEnv } from '../commons/env.ts';
import { EmailTakenError, InvalidCredentialsError, toVocabulary } from '../commons/errors.ts';
import { keys } from '../commons/keys.ts';
import { describeError, log } from '../commons/log.ts';
import { issueToken } from '../commons/tokens.ts';
import { LoginAttempts } from './attempts.ts';
import { checkEmail, checkPassword, normalizeEmail, parseCommonPasswords } from './credentials.ts';

const USERS_TABLE = requireEnv('USERS_TABLE');
const SECRET_ARN = requireEnv('JWT_SECRET_ARN');
const TOKEN_SETTINGS = { issuer: requireEnv('TOKEN_ISSUER'), audience: requireEnv('TOKEN_AUDIENCE') };
const TOKEN_TTL_SECONDS = intEnv('TOKEN_TTL_SECONDS');
const BCRYPT_COST = intEnv('BCRYPT_COST');
const COMMON_PASSWORDS = parseCommonPasswords(readFileSync(join(requireEnv('LAMBDA_TASK_ROOT'), 'common-passwords.txt'), 'utf8'));
const attempts = new LoginAttempts(dynamo(), {
  table: requireEnv('LOGIN_ATTEMPTS_TABLE'),
  maxFailures: intEnv('LOGIN_MAX_FAILURES'),
  windowSeconds: intEnv('LOGIN_WINDOW_SECONDS'),
});

// Compared against when the email is unknown, so both failures cost one bcrypt compare.
const DUMMY_HASH = bcrypt.hashSync(randomUUID(), BCRYPT_COST);

interface UserItem {
  email: string;
  userId: string;
  passwordHash: string;
  tokenVersion: number;
  disabled?: boolean;
}

async function register(event: RegisterEvent): Promise<RegisterData> {
  const email = normalizeEmail(event.email);
  checkEmail(email);
  checkPassword(event.password, COMMON_PASSWORDS);
  const userId = randomUUID();
  const passwordHash = await bcrypt.hash(event.password, BCRYPT_COST);
  try {
    await dynamo().send(
      new PutCommand({
        TableName: USERS_TABLE,
        Item: { email, userId, passwordHash, tokenVersion: 0, createdAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(email)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new EmailTakenError();
    throw error;
  }
  log('info', 'registered', { userId });
  return { id: userId, email, message: 'Account created. Log in to get a token.' };
}

async function login(event: LoginEvent): Promise<LoginData> {
  const email = normalizeEmail(event.email);
  // Counted before the password is looked at, known email or not, correct password or not.
  await attempts.admit(email);
  const found = await dynamo().send(new GetCommand({ TableName: USERS_TABLE, Key: { email }, ConsistentRead: true }));
  const user = found.Item as UserItem | undefined;
  const matches = await bcrypt.compare(event.password, user ? user.passwordHash : DUMMY_HASH);
  if (!user || !matches || user.disabled === true) {
    log('info', 'login failed', { known: Boolean(user) });
    throw new InvalidCredentialsError();
  }
  await attempts.clear(email);
  const [current] = await keys(SECRET_ARN);
  const { token, expiresAt } = await issueToken(
    current!,
    TOKEN_SETTINGS,
    { sub: user.userId, email: user.email, tokenVersion: user.tokenVersion },
    TOKEN_TTL_SECONDS,
  );
  log('info', 'logged in', { userId: user.userId });
  return { token, expiresAt: expiresAt.toISOString(), email: user.email, message: 'Logged in. Send the token as "Authorization: Bearer <token>".' };
}

export async function handler(event: AuthEvent): Promise<Outcome<RegisterData | LoginData>> {
  try {
    if (event.action === 'register') return { data: await register(event) };
    if (event.action === 'login') return { data: await login(event) };
    throw new Error('unknown action');
  } catch (error) {
    const known = toVocabulary(error);
    if (known) return { error: known };
    // Unexpected: AppSync turns the throw into ctx.error and the resolver into InternalError.
    log('error', 'auth failed', { action: event.action, ...describeError(error) });
    throw error;
  }
}
