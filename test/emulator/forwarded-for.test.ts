// The X-Forwarded-For the emulator hands resolvers, as AppSync's CloudFront front end builds it
// (emulator/appsync/choices.ts A10): what the client sent, then the address the request came from,
// then the front end's own hop. test/emulator/abuse.test.ts shows a forged prefix buys nothing.
import { describe, expect, it } from 'vitest';
import { withForwardedFor } from '../../emulator/appsync/http.ts';

describe('X-Forwarded-For', () => {
  it('names the peer, then the front end’s hop, when the client sent none', () => {
    expect(withForwardedFor({ host: 'x' }, '127.0.0.7', '127.0.0.1')).toEqual({ host: 'x', 'x-forwarded-for': '127.0.0.7, 127.0.0.1' });
  });

  it('keeps what the client sent in front, where nothing reads it as the source', () => {
    expect(withForwardedFor({ 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }, '127.0.0.7', '127.0.0.1')['x-forwarded-for']).toBe('203.0.113.9, 10.0.0.1, 127.0.0.7, 127.0.0.1');
  });

  it('shows an IPv4 client of a dual-stack socket as plain IPv4', () => {
    expect(withForwardedFor({}, '::ffff:127.0.0.7', '::ffff:127.0.0.1')['x-forwarded-for']).toBe('127.0.0.7, 127.0.0.1');
    expect(withForwardedFor({}, '::1', '::1')['x-forwarded-for']).toBe('::1, ::1');
  });
});
