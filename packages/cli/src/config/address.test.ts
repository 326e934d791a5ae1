import { describe, expect, it } from 'vitest';
import { BadAddressError, NonLocalAddressError } from '../errors.js';
import { canonicalIPv6, isLoopback, parseAddress, parseAddressList } from './address.js';

describe('parseAddress', () => {
  it('accepts loopback addresses of both families', () => {
    expect(parseAddress('127.0.0.1')).toEqual({ family: 'inet', address: '127.0.0.1' });
    expect(parseAddress('127.255.3.9')).toEqual({ family: 'inet', address: '127.255.3.9' });
    expect(parseAddress('::1')).toEqual({ family: 'inet6', address: '::1' });
    expect(parseAddress('0:0:0:0:0:0:0:1')).toEqual({ family: 'inet6', address: '::1' });
  });

  it('refuses malformed addresses', () => {
    for (const bad of [
      '',
      '127.0.0',
      '127.0.0.256',
      '1.2.3.4.5',
      'localhost',
      '::1::',
      'fe80::1%lo',
      '127.0.0.1/8',
    ]) {
      expect(() => parseAddress(bad), bad).toThrow(BadAddressError);
    }
  });

  it('refuses non-loopback addresses by default, saying which are accepted', () => {
    expect(() => parseAddress('10.0.0.1')).toThrow(NonLocalAddressError);
    expect(() => parseAddress('::2')).toThrow(/only 127\.0\.0\.0\/8 and ::1/);
    expect(() => parseAddress('::ffff:127.0.0.1')).toThrow(NonLocalAddressError);
    expect(parseAddress('10.0.0.1', undefined, true).address).toBe('10.0.0.1');
  });

  it('checks the family asked for', () => {
    expect(() => parseAddress('::1', 'inet')).toThrow(BadAddressError);
    expect(() => parseAddress('127.0.0.1', 'inet6')).toThrow(BadAddressError);
  });

  it('splits comma lists', () => {
    expect(parseAddressList('127.0.0.2,::1').map((a) => a.address)).toEqual(['127.0.0.2', '::1']);
    expect(() => parseAddressList('127.0.0.2,')).toThrow(BadAddressError);
  });
});

describe('canonicalIPv6', () => {
  it('writes RFC 5952 text', () => {
    expect(canonicalIPv6('2001:DB8:0:0:0:0:2:1')).toBe('2001:db8::2:1');
    expect(canonicalIPv6('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalIPv6('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonicalIPv6('::')).toBe('::');
    expect(canonicalIPv6('::ffff:127.0.0.1')).toBe('::ffff:7f00:1');
    expect(canonicalIPv6('fe80::0001')).toBe('fe80::1');
  });

  it('knows loopback', () => {
    expect(isLoopback({ family: 'inet6', address: '::1' })).toBe(true);
    expect(isLoopback({ family: 'inet', address: '128.0.0.1' })).toBe(false);
  });
});
