import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip-address.js';

describe('ip addresses', () => {
  it('parses dotted quads and refuses the rest', () => {
    expect(parseIPv4('127.0.0.1')).toEqual(Uint8Array.from([127, 0, 0, 1]));
    expect(formatIPv4(Uint8Array.from([10, 1, 2, 3]))).toBe('10.1.2.3');
    for (const bad of ['127.1', '1.2.3.256', '::1', 'localhost', '']) expect(parseIPv4(bad)).toBeUndefined();
  });

  it('parses IPv6 with ::, dotted tails, and refuses zone ids', () => {
    expect([...(parseIPv6('::1') ?? [])]).toEqual([...new Array(15).fill(0), 1]);
    expect(formatIPv6(parseIPv6('::ffff:127.0.0.1') as Uint8Array)).toBe('::ffff:7f00:1');
    expect(formatIPv6(parseIPv6('2001:DB8:0:0:0:0:2:1') as Uint8Array)).toBe('2001:db8::2:1');
    expect(formatIPv6(parseIPv6('2001:0:0:1:0:0:0:1') as Uint8Array)).toBe('2001:0:0:1::1');
    expect(formatIPv6(parseIPv6('2001:db8:0:1:1:1:1:1') as Uint8Array)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIPv6(parseIPv6('::') as Uint8Array)).toBe('::');
    for (const bad of ['fe80::1%lo', '1.2.3.4', ':::', '1:2:3:4:5:6:7:8:9'])
      expect(parseIPv6(bad)).toBeUndefined();
  });
});
