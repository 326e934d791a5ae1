import { describe, expect, it } from 'vitest';
import { PrisonConfigError } from '../errors.js';
import {
  IN6ADDR_LOOPBACK_WORDS,
  INADDR_LOOPBACK_WORD,
  ipv4Word,
  ipv6Words,
  jailAddressWords,
  V4MAPPED_WORD2,
} from './address-words.js';

describe('address words (network order bytes read as little-endian u32)', () => {
  it('IPv4', () => {
    expect(ipv4Word('127.0.0.1')).toBe(0x0100007f);
    expect(INADDR_LOOPBACK_WORD).toBe(0x0100007f);
    expect(ipv4Word('192.168.1.200')).toBe(0xc801a8c0);
    expect(ipv4Word('0.0.0.0')).toBe(0);
    expect(() => ipv4Word('1.2.3')).toThrow(PrisonConfigError);
  });

  it('IPv6, with :: compression and a trailing dotted quad', () => {
    expect(IN6ADDR_LOOPBACK_WORDS).toEqual([0, 0, 0, 0x01000000]);
    expect(ipv6Words('::')).toEqual([0, 0, 0, 0]);
    expect(ipv6Words('fd53:7973:6a61:696c::5')).toEqual([0x737953fd, 0x6c69616a, 0, 0x05000000]);
    expect(ipv6Words('2001:db8::1:0:0:1')).toEqual([0xb80d0120, 0, 0x00000100, 0x01000000]);
    expect(ipv6Words('::ffff:127.0.0.1')).toEqual([0, 0, 0xffff0000, 0x0100007f]);
    expect(V4MAPPED_WORD2).toBe(0xffff0000);
    expect(ipv6Words('1:2:3:4:5:6:7:8')).toEqual([0x02000100, 0x04000300, 0x06000500, 0x08000700]);
    expect(() => ipv6Words('fe80::1%lo')).toThrow(PrisonConfigError);
    expect(() => ipv6Words('127.0.0.1')).toThrow(PrisonConfigError);
  });

  it('jail lists refuse the wildcard, v4-mapped addresses and duplicates', () => {
    expect(jailAddressWords({ ipv4: ['127.0.0.5'], ipv6: ['::1'] })).toEqual({
      ipv4: [0x0500007f],
      ipv6: [[0, 0, 0, 0x01000000]],
    });
    expect(() => jailAddressWords({ ipv4: ['0.0.0.0'], ipv6: [] })).toThrow(/0\.0\.0\.0/);
    expect(() => jailAddressWords({ ipv4: [], ipv6: ['::'] })).toThrow(/::/);
    expect(() => jailAddressWords({ ipv4: [], ipv6: ['::ffff:10.0.0.1'] })).toThrow(/v4-mapped/);
    expect(() => jailAddressWords({ ipv4: ['10.0.0.1', '10.0.0.1'], ipv6: [] })).toThrow(/duplicate/);
    expect(() => jailAddressWords({ ipv4: [], ipv6: ['::1', '0::1'] })).toThrow(/duplicate/);
  });
});
