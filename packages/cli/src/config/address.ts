import { parseIpAddress } from '@sysjail/core';
import { BadAddressError } from '../errors.js';

export type AddressFamily = 'inet' | 'inet6';

export interface JailAddress {
  readonly family: AddressFamily;
  /** Canonical text: dotted quad, or RFC 5952 for IPv6. */
  readonly address: string;
  /** `iface|addr[/prefix]`: the jail adds the address to this interface while it runs. */
  readonly interface?: string;
  /** With an interface: the alias's prefix length (default 32 or 128). */
  readonly prefixLength?: number;
}

const aliasSyntax = /^([A-Za-z0-9_.:@-]{1,15})\|([^/|]+)(?:\/([0-9]{1,3}))?$/;

/**
 * Parses one address of the given family (or either), canonical: a plain address (which must be
 * configured on the host when the jail starts) or `iface|addr[/prefix]` (an alias the jail adds).
 */
export function parseAddress(text: string, family?: AddressFamily): JailAddress {
  const alias = aliasSyntax.exec(text);
  const addr = alias ? alias[2] : text;
  const parsed = parseIpAddress(addr, family);
  if (!parsed) throw new BadAddressError(text);
  if (!alias) return parsed;
  const bits = parsed.family === 'inet' ? 32 : 128;
  const prefixLength = alias[3] === undefined ? bits : Number(alias[3]);
  if (prefixLength > bits) throw new BadAddressError(text);
  return { ...parsed, interface: alias[1], prefixLength };
}

/** `a,b,c` of either family, as jail(8) takes them; each may be `iface|addr[/prefix]`. */
export function parseAddressList(text: string): JailAddress[] {
  return text.split(',').map((part) => parseAddress(part));
}

/** 127.0.0.0/8 or ::1. */
export function isLoopback(a: JailAddress): boolean {
  return a.family === 'inet' ? a.address.split('.')[0] === '127' : a.address === '::1';
}

/**
 * Why an address is the host's own loopback rather than a jail's: 127.0.0.1 and ::1 (a jail on them
 * reaches every host service that listens there) and the network and broadcast addresses of 127.0.0.0/8.
 * Undefined for any other address.
 */
export function hostLoopbackRole(a: JailAddress): string | undefined {
  if (a.family === 'inet6') return a.address === '::1' ? "the host's own loopback address" : undefined;
  if (a.address === '127.0.0.1') return "the host's own loopback address";
  if (a.address === '127.0.0.0') return 'the network address of 127.0.0.0/8';
  if (a.address === '127.255.255.255') return 'the broadcast address of 127.0.0.0/8';
  return undefined;
}
