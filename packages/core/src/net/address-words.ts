/**
 * Jail addresses as the 32-bit words an eBPF program loads: network byte order bytes read as a
 * little-endian u32 (127.0.0.1 → 0x0100007f), IPv6 as four such words.
 */
import { parseIPv4, parseIPv6 } from '@sysjail/systrace-bindings';
import { PrisonConfigError } from '../errors.js';

export type Ip6Words = readonly [number, number, number, number];

function bytesToWord(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function ipv4Bytes(addr: string): Uint8Array {
  const b = parseIPv4(addr);
  if (!b) throw new PrisonConfigError(`not an IPv4 address: ${addr}`);
  return b;
}

function ipv6Bytes(addr: string): Uint8Array {
  const b = parseIPv6(addr);
  if (!b) throw new PrisonConfigError(`not an IPv6 address: ${addr}`);
  return b;
}

export function ipv4Word(addr: string): number {
  return bytesToWord(ipv4Bytes(addr), 0);
}

export function ipv6Words(addr: string): Ip6Words {
  const b = ipv6Bytes(addr);
  return [bytesToWord(b, 0), bytesToWord(b, 4), bytesToWord(b, 8), bytesToWord(b, 12)];
}

export const INADDR_ANY_WORD = 0;
export const INADDR_LOOPBACK_WORD = ipv4Word('127.0.0.1');
export const IN6ADDR_LOOPBACK_WORDS = ipv6Words('::1');
/** Word 2 of a v4-mapped address (::ffff:a.b.c.d). */
export const V4MAPPED_WORD2 = ipv6Words('::ffff:0.0.0.0')[2];

/** The jail's addresses as words, validated: no wildcard, no v4-mapped, no duplicates. */
export interface JailAddressWords {
  readonly ipv4: readonly number[];
  readonly ipv6: readonly Ip6Words[];
}

export function jailAddressWords(prison: {
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}): JailAddressWords {
  const ipv4 = prison.ipv4.map((a) => {
    const w = ipv4Word(a);
    if (w === INADDR_ANY_WORD) throw new PrisonConfigError('0.0.0.0 cannot be a jail address');
    return w;
  });
  const ipv6 = prison.ipv6.map((a) => {
    const w = ipv6Words(a);
    if (w.every((x) => x === 0)) throw new PrisonConfigError(':: cannot be a jail address');
    if (w[0] === 0 && w[1] === 0 && w[2] === V4MAPPED_WORD2) {
      throw new PrisonConfigError(`a v4-mapped address cannot be a jail IPv6 address: ${a}`);
    }
    return w;
  });
  if (new Set(ipv4).size !== ipv4.length || new Set(ipv6.map((w) => w.join(','))).size !== ipv6.length) {
    throw new PrisonConfigError('duplicate jail address');
  }
  return { ipv4, ipv6 };
}

export const sameIp6 = (a: Ip6Words, b: Ip6Words): boolean => a.every((w, k) => w === b[k]);

/** An address's network-order bytes: 4 for IPv4, 16 for IPv6. */
export function addressBytes(addr: string): Uint8Array {
  return parseIPv4(addr) ?? ipv6Bytes(addr);
}
