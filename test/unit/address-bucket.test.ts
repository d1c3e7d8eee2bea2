import { describe, expect, it } from 'vitest';
import { addressBucket } from '../../src/service/attempts.js';

describe('the address a failed code counts against', () => {
  it('IPv4 as is; IPv4-mapped IPv6 as its IPv4 address, in either notation', () => {
    expect(addressBucket('203.0.113.50')).toBe('203.0.113.50');
    expect(addressBucket('::ffff:203.0.113.50')).toBe('203.0.113.50');
    expect(addressBucket('::ffff:cb00:7132')).toBe('203.0.113.50');
  });
  it('IPv6 by its /64, however it is written; zones ignored', () => {
    const b = '2001:db8:1:2::/64';
    for (const a of ['2001:db8:1:2::1', '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2:0:0:0:0', '2001:db8:1:2::9%eth0']) expect(addressBucket(a)).toBe(b);
    expect(addressBucket('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });
  it('anything else (no address known) as given', () => {
    expect(addressBucket('unknown')).toBe('unknown');
    expect(addressBucket('')).toBe('');
  });
});
