// The API's errors as the page shows them: a sentence, where it belongs (a form field or the
// whole form), and what the person can do — retry now, retry later, or wait for the quota.
import { formatDuration } from '../../client/cli-text.ts';
import { TollgateError } from '../../client/index.ts';

export interface Problem {
  message: string;
  errorType: string;
  /** The input it is about (ValidationError's errorInfo.field, or the field an error implies). */
  field: string | null;
  /** A retry may succeed: the model failed in a retryable way, the network dropped, a limit will lift. */
  retryable: boolean;
  /** When a retry can succeed, in ms since the epoch (RateLimited / TooManyAttempts). */
  retryAt: number | null;
  /** The daily quota is used up: what ran out and when it comes back. */
  exhausted: { kind: 'requests' | 'tokens'; limit: number; resetsAt: string } | null;
  /** The token was refused: the person must log in again. */
  signedOut: boolean;
}

const base = (message: string, errorType: string): Problem => ({
  message,
  errorType,
  field: null,
  retryable: false,
  retryAt: null,
  exhausted: null,
  signedOut: false,
});

export function problemOf(error: unknown, now = Date.now()): Problem {
  if (!(error instanceof TollgateError)) return { ...base(error instanceof Error ? error.message : String(error), 'UnknownError'), retryable: true };
  const p = base(error.message, error.errorType);
  if (error.is('ValidationError')) return { ...p, field: error.errorInfo?.field ?? null };
  if (error.is('EmailTaken')) return { ...p, field: 'email', message: 'An account with this email exists already. Log in instead?' };
  if (error.is('InvalidCredentials')) return { ...p, field: 'password', message: 'That email and password do not match an account.' };
  if (error.is('TooManyAttempts') || error.is('RateLimited')) {
    const seconds = error.errorInfo?.retryAfterSeconds ?? 60;
    return { ...p, retryable: true, retryAt: now + seconds * 1000, message: `${error.message} Try again in ${formatDuration(seconds)}.` };
  }
  if (error.is('QuotaExceeded')) {
    const info = error.errorInfo;
    return { ...p, exhausted: info ? { kind: info.kind, limit: info.limit, resetsAt: info.resetsAt } : null };
  }
  if (error.is('ModelError')) return { ...p, retryable: error.errorInfo?.retryable === true };
  if (error.is('NetworkError')) return { ...p, retryable: true, message: `The API could not be reached (${error.errorInfo.url}). Check your connection and retry.` };
  // Unauthorized: the API refused this token for what it asked (sendPrompt after logoutEverywhere or a disabled account).
  if (error.is('UnauthorizedException') || error.is('Unauthorized') || error.is('ClientError')) return { ...p, signedOut: true, message: 'Your session has ended. Log in again.' };
  if (error.is('InternalError')) return { ...p, retryable: true };
  if (error.is('UnknownError') && error.status === 403) {
    // A bare 403 comes from the web ACL in front of the API, never from the API itself.
    return { ...p, retryable: true, retryAt: now + 5 * 60_000, message: 'The firewall in front of the API refused this request (too many requests from your address?). Wait a few minutes and retry.' };
  }
  return p;
}
