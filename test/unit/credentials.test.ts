import { describe, expect, it } from 'vitest';
import { checkEmail, checkLogin, checkPassword, normalizeEmail } from '../../functions/auth/credentials.ts';
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
  it('ignore case, surrounding spaces and compatibility forms (NFKC)', () => {
    expect(normalizeEmail('  Alice@Example.COM ')).toBe('alice@example.com');
    expect(normalizeEmail('ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ')).toBe('alice@example.com');
  });

  it('refuse control and invisible characters, so a look-alike cannot pass for another address', () => {
    for (const email of ['al\u200bice@example.com', 'al\u0000ice@example.com', 'alice\u2060@example.com', 'al\u00adice@example.com', 'al\ud800ice@example.com', 'alice@exam\u200dple.com']) {
      expect(reasonOf(() => checkEmail(normalizeEmail(email))), JSON.stringify(email)).toBe('email:invalidCharacters');
    }
  });

  it('count their length in code points', () => {
    expect(reasonOf(() => checkEmail(`${'😀'.repeat(250)}@example.com`))).toBe('email:tooLong');
    expect(reasonOf(() => checkEmail(`${'😀'.repeat(200)}@example.com`))).toBeUndefined();
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

describe('logins', () => {
  it('refuse what cannot be an account’s credentials before any work', () => {
    expect(reasonOf(() => checkLogin('', 'x'))).toBe('email:empty');
    expect(reasonOf(() => checkLogin(normalizeEmail('   '), 'x'))).toBe('email:empty');
    expect(reasonOf(() => checkLogin('a'.repeat(3000), 'x'))).toBe('email:tooLong');
    expect(reasonOf(() => checkLogin('alice@example.com', ''))).toBe('password:empty');
    expect(reasonOf(() => checkLogin('alice@example.com', 'p'.repeat(1025)))).toBe('password:tooLong');
    expect(reasonOf(() => checkLogin('alice@example.com', 'whatever'))).toBeUndefined();
  });
});

describe('passwords', () => {
  it('refuse control characters and broken Unicode, which bcrypt would not hash as given', () => {
    expect(reasonOf(() => checkPassword('long enough\u0000'))).toBe('password:invalidCharacters');
    expect(reasonOf(() => checkPassword('long enough\ud800'))).toBe('password:invalidCharacters');
  });

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
