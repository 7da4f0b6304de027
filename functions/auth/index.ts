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
import { busy, EmailTakenError, InvalidCredentialsError, isRetryableAwsError, toVocabulary } from '../commons/errors.ts';
import { keys } from '../commons/keys.ts';
import { describeError, log } from '../commons/log.ts';
import { issueToken } from '../commons/tokens.ts';
import { admitLogin, admitRegistration, loginFailed, loginSucceeded, type AuthWindows } from './admission.ts';
import { checkEmail, checkLogin, checkPassword, normalizeEmail, parseCommonPasswords } from './credentials.ts';
import { WindowCounters } from './limits.ts';
import { sourceKey } from './source.ts';

const USERS_TABLE = requireEnv('USERS_TABLE');
const SECRET_ARN = requireEnv('JWT_SECRET_ARN');
const TOKEN_SETTINGS = { issuer: requireEnv('TOKEN_ISSUER'), audience: requireEnv('TOKEN_AUDIENCE') };
const TOKEN_TTL_SECONDS = intEnv('TOKEN_TTL_SECONDS');
const BCRYPT_COST = intEnv('BCRYPT_COST');
const COMMON_PASSWORDS = parseCommonPasswords(readFileSync(join(requireEnv('LAMBDA_TASK_ROOT'), 'common-passwords.txt'), 'utf8'));
const counters = new WindowCounters(dynamo(), requireEnv('RATE_LIMITS_TABLE'));
const LOGIN_WINDOW = intEnv('LOGIN_WINDOW_SECONDS');
const WINDOWS: AuthWindows = {
  registrationsPerIp: { limit: intEnv('REGISTRATIONS_PER_IP_PER_HOUR'), seconds: 3600 },
  registrations: { limit: intEnv('REGISTRATIONS_PER_HOUR'), seconds: 3600 },
  loginsPerIp: { limit: intEnv('LOGIN_ATTEMPTS_PER_IP_PER_MINUTE'), seconds: 60 },
  failuresPerClient: { limit: intEnv('LOGIN_MAX_FAILURES'), seconds: LOGIN_WINDOW },
  failuresPerEmail: { limit: intEnv('LOGIN_EMAIL_MAX_FAILURES'), seconds: LOGIN_WINDOW },
};

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
  // Counted after the pure checks and before the hash: N aliased registrations in one request
  // create at most the limit.
  await admitRegistration(counters, WINDOWS, sourceKey(event.sourceIp));
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
  checkLogin(email, event.password);
  const source = sourceKey(event.sourceIp);
  const attempt = await admitLogin(counters, WINDOWS, email, source);
  const found = await dynamo().send(new GetCommand({ TableName: USERS_TABLE, Key: { email }, ConsistentRead: true }));
  const user = found.Item as UserItem | undefined;
  const matches = await bcrypt.compare(event.password, user ? user.passwordHash : DUMMY_HASH);
  if (!user || !matches || user.disabled === true) {
    await loginFailed(counters, WINDOWS, attempt);
    log('info', 'login failed', { known: Boolean(user) });
    throw new InvalidCredentialsError();
  }
  await loginSucceeded(counters, WINDOWS, attempt);
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
    if (isRetryableAwsError(error)) {
      log('warn', 'auth: AWS failed past its retries', { action: event.action, ...describeError(error) });
      return { error: busy() };
    }
    // Unexpected: AppSync turns the throw into ctx.error and the resolver into InternalError.
    log('error', 'auth failed', { action: event.action, ...describeError(error) });
    throw error;
  }
}
