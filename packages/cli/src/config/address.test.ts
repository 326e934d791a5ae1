import { describe, expect, it } from 'vitest';
import { BadAddressError } from '../errors.js';
import { isLoopback, parseAddress, parseAddressList } from './address.js';

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

  it('takes any address (whether the host has it is checked when the jail starts)', () => {
    expect(parseAddress('192.0.2.10')).toEqual({ family: 'inet', address: '192.0.2.10' });
    expect(parseAddress('2001:DB8::0:10')).toEqual({ family: 'inet6', address: '2001:db8::10' });
  });

  it('reads iface|addr[/prefix] as an alias to add, with a full prefix by default', () => {
    expect(parseAddress('d0|192.0.2.11/24')).toEqual({
      family: 'inet',
      address: '192.0.2.11',
      interface: 'd0',
      prefixLength: 24,
    });
    expect(parseAddress('em0|2001:db8::11', 'inet6')).toEqual({
      family: 'inet6',
      address: '2001:db8::11',
      interface: 'em0',
      prefixLength: 128,
    });
    expect(parseAddressList('127.0.0.5,d0|192.0.2.12')[1]).toMatchObject({
      interface: 'd0',
      prefixLength: 32,
    });
    for (const bad of [
      'd0|192.0.2.1/33',
      'd0|2001:db8::1/129',
      '|192.0.2.1',
      'a b|192.0.2.1',
      'd0|x',
      'd0|192.0.2.1/',
    ]) {
      expect(() => parseAddress(bad), bad).toThrow(BadAddressError);
    }
    expect(() => parseAddress('d0|192.0.2.1', 'inet6')).toThrow(BadAddressError);
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

const canonicalIPv6 = (t: string) => parseAddress(t, 'inet6').address;

describe('canonical IPv6 text', () => {
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
