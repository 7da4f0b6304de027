// Pure rules for emails and passwords, unit-tested without AWS.
import { ValidationError } from '../commons/errors.ts';

export const MIN_PASSWORD_CHARS = 8;
/** bcrypt ignores every byte after the 72nd: refuse rather than silently truncate. */
export const MAX_PASSWORD_BYTES = 72;
/** RFC 5321's path limit; counted in Unicode code points, not UTF-16 units. */
const MAX_EMAIL_CHARS = 254;
/** Login never compares more than bcrypt reads; anything longer is refused before any work. */
const MAX_LOGIN_PASSWORD_CHARS = 1024;
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/u;
/**
 * Control, format (zero-width, bidi), private-use, unassigned and lone-surrogate code points, and
 * every default-ignorable one: `al\u200bice@…` must not pass for `alice@…`.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

const codePoints = (text: string) => [...text].length;

/**
 * Case, surrounding spaces and compatibility forms (full-width letters, ligatures) are not part of
 * an account's identity: NFKC first, so `ａｌｉｃｅ@…` is `alice@…`.
 */
export function normalizeEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

export function checkEmail(email: string): void {
  if (email.length === 0) throw new ValidationError('email', 'empty', 'Enter an email address.');
  if (codePoints(email) > MAX_EMAIL_CHARS) throw new ValidationError('email', 'tooLong', `An email address has at most ${MAX_EMAIL_CHARS} characters.`);
  if (INVISIBLE.test(email)) throw new ValidationError('email', 'invalidCharacters', 'An email address cannot contain control or invisible characters.');
  if (!EMAIL.test(email)) throw new ValidationError('email', 'invalid', 'That is not a valid email address.');
}

/** What login can refuse before any counting or hashing: an address that cannot be an account's, an empty or absurd password. */
export function checkLogin(email: string, password: string): void {
  checkEmail(email);
  if (password.length === 0) throw new ValidationError('password', 'empty', 'Enter your password.');
  if (password.length > MAX_LOGIN_PASSWORD_CHARS) throw new ValidationError('password', 'tooLong', 'That password is longer than any account’s.');
}

/** The shipped list of common passwords (see COMMON-PASSWORDS.md), one per line. */
export function parseCommonPasswords(text: string): ReadonlySet<string> {
  return new Set(text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0));
}

export function checkPassword(password: string, common: ReadonlySet<string> = new Set()): void {
  // A lone surrogate has no UTF-8 form: bcrypt would hash a replacement character instead.
  if (/\p{Cs}|\p{Cc}/u.test(password)) {
    throw new ValidationError('password', 'invalidCharacters', 'A password cannot contain control characters or broken Unicode.');
  }
  if (codePoints(password) < MIN_PASSWORD_CHARS) {
    throw new ValidationError('password', 'tooShort', `The password needs at least ${MIN_PASSWORD_CHARS} characters.`);
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new ValidationError('password', 'tooLong', `The password may have at most ${MAX_PASSWORD_BYTES} bytes (UTF-8).`);
  }
  if (common.has(password.toLowerCase())) {
    throw new ValidationError('password', 'common', 'That password is one of the most common ones; choose another.');
  }
}
