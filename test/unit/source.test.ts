import { describe, expect, it } from 'vitest';
import { sourceKey, UNKNOWN_SOURCE } from '../../functions/auth/source.ts';

describe('source keys', () => {
  it('count an IPv4 address as itself', () => {
    expect(sourceKey('203.0.113.9')).toBe('203.0.113.9');
    expect(sourceKey(' 203.0.113.9 ')).toBe('203.0.113.9');
  });

  it('count IPv6 addresses by their /64, however they are written', () => {
    expect(sourceKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('count an IPv4-mapped IPv6 address as the IPv4 client', () => {
    expect(sourceKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(sourceKey('::ffff:cb00:7109')).toBe('203.0.113.9');
  });

  it('count anything that is not an address under one shared key', () => {
    for (const junk of [null, undefined, '', 'unknown', 'not-an-ip', '999.1.1.1', '1.2.3.4, 5.6.7.8', '<script>']) {
      expect(sourceKey(junk)).toBe(UNKNOWN_SOURCE);
    }
  });
});
