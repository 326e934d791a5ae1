import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
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

  it("accepts exactly what node:net's isIPv4 and isIPv6 accept (zone ids aside), without loading it", () => {
    const token = fc.constantFrom(
      '0',
      '1',
      '00',
      '255',
      '256',
      '01',
      'ffff',
      'FfFf',
      '12345',
      'g',
      '.',
      ':',
      '::',
      '%lo',
      '',
    );
    const noise = fc.array(token, { maxLength: 18 }).map((t) => t.join(''));
    // Near-addresses: n hex groups, `::` perhaps in between, a dotted quad perhaps at the end.
    const hex = fc.constantFrom('0', '1', 'ff', 'FFFF', 'abcd', '00000', 'x');
    const quad = fc.array(fc.constantFrom('0', '9', '255', '256', '01'), { minLength: 3, maxLength: 5 });
    const shaped = fc
      .tuple(fc.array(hex, { maxLength: 9 }), fc.option(fc.nat(9)), fc.option(quad))
      .map(([groups, at, q]) => {
        const g = [...groups, ...(q ? [q.join('.')] : [])];
        if (at === null) return g.join(':');
        const i = Math.min(at, g.length);
        return `${g.slice(0, i).join(':')}::${g.slice(i).join(':')}`;
      });
    const address = fc.oneof(noise, shaped);
    const known = [
      ...['1::', '::1.2.3.4', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', '1::1.2.3.4'],
      ...['1:2:3:4:5:6:7:8::', '1::2::3', ':1::2', '1.2.3.4::', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4'],
      ...['01.2.3.4', '1.2.3.04', '1.2.3.4.', '00000::1', '1:2:3:4:5:6:7:8'],
    ];
    for (const text of known) {
      expect(parseIPv4(text) !== undefined, text).toBe(isIPv4(text));
      expect(parseIPv6(text) !== undefined, text).toBe(isIPv6(text));
    }
    fc.assert(
      fc.property(address, (text) => {
        expect(parseIPv4(text) !== undefined, text).toBe(isIPv4(text));
        if (!text.includes('%')) expect(parseIPv6(text) !== undefined, text).toBe(isIPv6(text));
      }),
      { numRuns: 20000 },
    );
  });
});
