/**
 * Jail addresses on the host's interfaces. A plain jail address must already be configured on the host;
 * an `iface|addr/prefix` address is added as an alias of that interface when the jail starts and removed
 * when it ends (or, after a supervisor crash, when the stale registry record is healed, in the same
 * network namespace).
 */
import { readlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import {
  addInterfaceAddress,
  deleteInterfaceAddress,
  interfaceIndex,
  parseIPv4,
  parseIPv6,
  SyscallError,
} from '@sysjail/systrace-bindings';
import { JailSetupError, PrisonConfigError } from '../errors.js';
import { addressBytes } from './address-words.js';

/** `ip4.addr = em0|192.0.2.10/24`: an address the jail adds to an interface of the host. */
export interface InterfaceAlias {
  readonly interface: string;
  /** Canonical address text (one of the prison's ipv4/ipv6 addresses). */
  readonly address: string;
  /** Default 32 (IPv4) or 128 (IPv6), as FreeBSD's jail aliases. */
  readonly prefixLength: number;
}

const ifnameSyntax = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** Checks an alias's fields (interface name syntax, address, prefix length). */
export function checkInterfaceAlias(a: InterfaceAlias): void {
  if (!ifnameSyntax.test(a.interface)) throw new PrisonConfigError(`${a.interface}: not an interface name`);
  const bits = parseIPv4(a.address) ? 32 : parseIPv6(a.address) ? 128 : 0;
  if (bits === 0) throw new PrisonConfigError(`${a.address}: not an IP address`);
  if (!Number.isInteger(a.prefixLength) || a.prefixLength < 0 || a.prefixLength > bits) {
    throw new PrisonConfigError(`${a.address}/${a.prefixLength}: bad prefix length`);
  }
}

/**
 * This thread's network namespace (`net:[4026531833]`), the one its netlink requests reach, recorded with
 * the aliases it added. Not /proc/self's: that is the main thread's, which is in a jail's UNIX-socket
 * namespace while it makes a socket for a jail it supervises in-thread.
 */
export function currentNetns(): string {
  return readlinkSync('/proc/thread-self/ns/net');
}

function inPrefix(addr: Uint8Array, net: Uint8Array, bits: number): boolean {
  if (addr.length !== net.length) return false;
  for (let i = 0; i < addr.length; i++) {
    const take = Math.max(0, Math.min(8, bits - 8 * i));
    const mask = (0xff << (8 - take)) & 0xff;
    if ((addr[i] & mask) !== (net[i] & mask)) return false;
  }
  return true;
}

/**
 * Whether the host (this network namespace) has the address: on an interface, or inside the prefix of a
 * loopback interface's address (Linux answers for all of 127.0.0.0/8 on `lo`).
 */
export function isHostAddress(address: string): boolean {
  const want = addressBytes(address);
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      const have = addressBytes(i.address.replace(/%.*$/, ''));
      const bits = Number(i.cidr?.split('/')[1] ?? have.length * 8);
      if (inPrefix(want, have, i.internal ? bits : have.length * 8)) return true;
    }
  }
  return false;
}

/** Refuses a plain jail address (one that is not an alias to add) that the host does not have. */
export function checkHostAddresses(
  addresses: readonly string[],
  aliases: readonly InterfaceAlias[] = [],
): void {
  const added = new Set(aliases.map((a) => a.address));
  for (const a of addresses) {
    if (added.has(a) || isHostAddress(a)) continue;
    throw new PrisonConfigError(
      `${a}: not an address of this host (configure it, or give it as interface|${a} to add it)`,
    );
  }
}

const kernelAddress = (a: InterfaceAlias) => ({
  ifindex: interfaceIndex(a.interface),
  address: addressBytes(a.address),
  prefixLength: a.prefixLength,
});

/** Adds one alias; an interface that already has the address is an error (it is not the jail's to remove). */
export function addInterfaceAlias(a: InterfaceAlias): void {
  try {
    addInterfaceAddress(kernelAddress(a));
  } catch (e) {
    if (e instanceof SyscallError && e.errnoName === 'EEXIST') {
      throw new PrisonConfigError(`${a.interface}|${a.address}: the interface already has this address`);
    }
    if (e instanceof SyscallError && e.errnoName === 'ENODEV') {
      throw new PrisonConfigError(`${a.interface}: no such interface`);
    }
    throw new JailSetupError(`cannot add ${a.address} to ${a.interface}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Removes an alias the jail added; one already gone (or its interface) is not an error. */
export function removeInterfaceAlias(a: InterfaceAlias): void {
  try {
    deleteInterfaceAddress(kernelAddress(a));
  } catch (e) {
    if (e instanceof SyscallError && ['EADDRNOTAVAIL', 'ENODEV', 'ENOENT'].includes(e.errnoName)) return;
    throw e;
  }
}

/** Removes the aliases a dead jail recorded, if they were added in this network namespace. */
export function removeStaleAliases(record: {
  readonly aliases?: readonly InterfaceAlias[];
  readonly netns?: string;
}): void {
  if (!record.aliases?.length || record.netns !== currentNetns()) return;
  for (const a of record.aliases) {
    try {
      removeInterfaceAlias(a);
    } catch {}
  }
}

/**
 * Adds the jail's aliases in order, reporting the list added so far after each (so the registry records
 * them before anything else can fail); returns their removal. On a failure the ones added are removed.
 */
export function addJailAliases(
  aliases: readonly InterfaceAlias[],
  recorded: (added: readonly InterfaceAlias[], netns: string) => void,
): () => void {
  const added: InterfaceAlias[] = [];
  const remove = () => {
    for (const a of added.splice(0).reverse()) {
      try {
        removeInterfaceAlias(a);
      } catch {}
    }
  };
  if (aliases.length === 0) return remove;
  const netns = currentNetns();
  try {
    for (const a of aliases) {
      addInterfaceAlias(a);
      added.push(a);
      recorded([...added], netns);
    }
  } catch (e) {
    remove();
    throw e;
  }
  return remove;
}
