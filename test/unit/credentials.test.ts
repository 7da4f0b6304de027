import { describe, expect, it } from 'vitest';
import { checkEmail, checkPassword, normalizeEmail } from '../../functions/auth/credentials.ts';
import { ValidationError } from '../../functions/commons/errors.ts';

function reasonOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ValidationError ? `${error.field}:${error.reason}` : 'other';
  }
}

describe('emails', () => {
  it('ignore case and surrounding spaces', () => {
    expect(normalizeEmail('  Alice@Example.COM ')).toBe('alice@example.com');
  });

  it('must look like an address', () => {
    expect(reasonOf(() => checkEmail('alice@example.com'))).toBeUndefined();
    expect(reasonOf(() => checkEmail(''))).toBe('email:empty');
    expect(reasonOf(() => checkEmail('alice'))).toBe('email:invalid');
    expect(reasonOf(() => checkEmail('alice@localhost'))).toBe('email:invalid');
    expect(reasonOf(() => checkEmail('a b@example.com'))).toBe('email:invalid');
    expect(reasonOf(() => checkEmail(`${'a'.repeat(250)}@example.com`))).toBe('email:tooLong');
  });
});

describe('passwords', () => {
  it('need at least 8 characters', () => {
    expect(reasonOf(() => checkPassword('short'))).toBe('password:tooShort');
    expect(reasonOf(() => checkPassword('long enough'))).toBeUndefined();
  });

  it('are refused past bcrypt’s 72 bytes instead of being truncated', () => {
    expect(reasonOf(() => checkPassword('a'.repeat(72)))).toBeUndefined();
    expect(reasonOf(() => checkPassword('a'.repeat(73)))).toBe('password:tooLong');
    // 25 three-byte characters are 75 bytes though only 25 characters.
    expect(reasonOf(() => checkPassword('€'.repeat(25)))).toBe('password:tooLong');
  });
});

describe('the common password list', () => {
  it('is shipped, lower-case, and refused case-insensitively', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseCommonPasswords } = await import('../../functions/auth/credentials.ts');
    const list = parseCommonPasswords(readFileSync(new URL('../../functions/auth/common-passwords.txt', import.meta.url), 'utf8'));
    expect(list.size).toBe(10000);
    expect(list.has('password')).toBe(true);
    expect(reasonOf(() => checkPassword('PassWord', list))).toBe('password:common');
    expect(reasonOf(() => checkPassword('plum kettle 42', list))).toBeUndefined();
  });
});
