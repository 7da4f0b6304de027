// Who may spend bcrypt work: each registration and login takes its slots here, after the pure
// input checks and before any hashing, so one request full of aliased operations buys no more
// than the limits. Failed logins count per (email, client) — an attacker's failures do not lock
// the owner out elsewhere — with a higher per-email ceiling that holds back clients that have
// already failed, which slows distributed guessing without stopping a clean client.
import { RateLimitedError, TooManyAttemptsError } from '../commons/errors.ts';
import { log } from '../commons/log.ts';
import type { Window, WindowCounters } from './limits.ts';

export interface AuthWindows {
  registrationsPerIp: Window;
  registrations: Window;
  loginsPerIp: Window;
  failuresPerClient: Window;
  failuresPerEmail: Window;
}

const keys = {
  registrationsPerIp: (source: string) => `register:ip:${source}`,
  registrations: 'register:all',
  loginsPerIp: (source: string) => `login:ip:${source}`,
  client: (source: string, email: string) => `login:client:${source}:${email}`,
  email: (email: string) => `login:email:${email}`,
};

export async function admitRegistration(counters: WindowCounters, windows: AuthWindows, source: string): Promise<void> {
  const perIp = await counters.take(keys.registrationsPerIp(source), windows.registrationsPerIp);
  if (!perIp.ok) {
    log('info', 'rate limited', { limit: 'registrationsPerIp' });
    throw new RateLimitedError('registrations from your network', perIp.retryAfterSeconds);
  }
  const everywhere = await counters.take(keys.registrations, windows.registrations);
  if (!everywhere.ok) {
    // Only an attack gets here: the stack's RegistrationCeiling alarm watches for this line.
    log('warn', 'registrationCeiling', { limit: windows.registrations.limit });
    throw new RateLimitedError('registrations right now', everywhere.retryAfterSeconds);
  }
}

/** What admission found out about the client, for settling the attempt afterwards. */
export interface Admitted {
  email: string;
  source: string;
  /** The client has no other attempt for this email in its window (no failures, none in flight). */
  clean: boolean;
}

/**
 * The slots a login attempt needs before its bcrypt compare, known email or not: one of the source
 * IP's attempts this minute, one of this client's failures for the email and, for a client that
 * already has some, one under the email's ceiling. A clean client is never held back by the
 * ceiling, so nobody can lock the owner out; its failure is counted afterwards.
 */
export async function admitLogin(counters: WindowCounters, windows: AuthWindows, email: string, source: string): Promise<Admitted> {
  const perIp = await counters.take(keys.loginsPerIp(source), windows.loginsPerIp);
  if (!perIp.ok) {
    log('info', 'rate limited', { limit: 'loginsPerIp' });
    throw new RateLimitedError('login attempts from your network', perIp.retryAfterSeconds);
  }
  const client = await counters.take(keys.client(source, email), windows.failuresPerClient);
  if (!client.ok) throw new TooManyAttemptsError(client.retryAfterSeconds);
  const clean = client.count === 1;
  if (!clean) {
    const ceiling = await counters.take(keys.email(email), windows.failuresPerEmail);
    if (!ceiling.ok) throw new TooManyAttemptsError(ceiling.retryAfterSeconds);
  }
  return { email, source, clean };
}

/** A wrong password: a clean client's failure now counts towards the email's ceiling too. */
export async function loginFailed(counters: WindowCounters, windows: AuthWindows, attempt: Admitted): Promise<void> {
  if (attempt.clean) await counters.take(keys.email(attempt.email), { ...windows.failuresPerEmail, limit: Infinity });
}

/** A right password is not a failure: this client starts clean and the email's count goes back down. */
export async function loginSucceeded(counters: WindowCounters, windows: AuthWindows, attempt: Admitted): Promise<void> {
  await Promise.all([
    counters.clear(keys.client(attempt.source, attempt.email)),
    attempt.clean ? Promise.resolve() : counters.release(keys.email(attempt.email), windows.failuresPerEmail),
  ]);
}

/** The email's failure count from everywhere (what `npm run admin -- enable` clears). */
export const emailFailuresKey = keys.email;
