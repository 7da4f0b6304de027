// Pure rules for emails and passwords, unit-tested without AWS.
import { ValidationError } from '../commons/errors.ts';

export const MIN_PASSWORD_CHARS = 8;
/** bcrypt ignores every byte after the 72nd: refuse rather than silently truncate. */
export const MAX_PASSWORD_BYTES = 72;
const MAX_EMAIL_CHARS = 254;
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Case and surrounding spaces are not part of an account's identity. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function checkEmail(email: string): void {
  if (email.length === 0) throw new ValidationError('email', 'empty', 'Enter an email address.');
  if (email.length > MAX_EMAIL_CHARS) throw new ValidationError('email', 'tooLong', `An email address has at most ${MAX_EMAIL_CHARS} characters.`);
  if (!EMAIL.test(email)) throw new ValidationError('email', 'invalid', 'That is not a valid email address.');
}

/** The shipped list of common passwords (see COMMON-PASSWORDS.md), one per line. */
export function parseCommonPasswords(text: string): ReadonlySet<string> {
  return new Set(text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0));
}

export function checkPassword(password: string, common: ReadonlySet<string> = new Set()): void {
  if ([...password].length < MIN_PASSWORD_CHARS) {
    throw new ValidationError('password', 'tooShort', `The password needs at least ${MIN_PASSWORD_CHARS} characters.`);
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new ValidationError('password', 'tooLong', `The password may have at most ${MAX_PASSWORD_BYTES} bytes (UTF-8).`);
  }
  if (common.has(password.toLowerCase())) {
    throw new ValidationError('password', 'common', 'That password is one of the most common ones; choose another.');
  }
}
