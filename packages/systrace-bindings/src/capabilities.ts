// Capabilities: CAP_* numbers, capget/capset (version 3, 64-bit sets) and the bounding set.
import { InvalidArgumentError } from './errors.js';
import {
  PR_CAP_AMBIENT,
  PR_CAP_AMBIENT_CLEAR_ALL,
  PR_CAPBSET_DROP,
  PR_CAPBSET_READ,
  prctl,
} from './prctl.js';
import { syscall2, syscallNoThrow } from './syscall.js';
import { sysno } from './sysno.js';

export const CAP_CHOWN = 0;
export const CAP_DAC_OVERRIDE = 1;
export const CAP_DAC_READ_SEARCH = 2;
export const CAP_FOWNER = 3;
export const CAP_FSETID = 4;
export const CAP_KILL = 5;
export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SETPCAP = 8;
export const CAP_LINUX_IMMUTABLE = 9;
export const CAP_NET_BIND_SERVICE = 10;
export const CAP_NET_BROADCAST = 11;
export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;
export const CAP_IPC_LOCK = 14;
export const CAP_IPC_OWNER = 15;
export const CAP_SYS_MODULE = 16;
export const CAP_SYS_RAWIO = 17;
export const CAP_SYS_CHROOT = 18;
export const CAP_SYS_PTRACE = 19;
export const CAP_SYS_PACCT = 20;
export const CAP_SYS_ADMIN = 21;
export const CAP_SYS_BOOT = 22;
export const CAP_SYS_NICE = 23;
export const CAP_SYS_RESOURCE = 24;
export const CAP_SYS_TIME = 25;
export const CAP_SYS_TTY_CONFIG = 26;
export const CAP_MKNOD = 27;
export const CAP_LEASE = 28;
export const CAP_AUDIT_WRITE = 29;
export const CAP_AUDIT_CONTROL = 30;
export const CAP_SETFCAP = 31;
export const CAP_MAC_OVERRIDE = 32;
export const CAP_MAC_ADMIN = 33;
export const CAP_SYSLOG = 34;
export const CAP_WAKE_ALARM = 35;
export const CAP_BLOCK_SUSPEND = 36;
export const CAP_AUDIT_READ = 37;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;
export const CAP_CHECKPOINT_RESTORE = 40;

export const _LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/** The three capability sets as 64-bit masks (bit n = CAP n). */
export interface CapabilitySets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

/** A mask with the bits of `caps` set. */
export function capMask(caps: readonly number[]): bigint {
  let m = 0n;
  for (const c of caps) {
    if (!Number.isInteger(c) || c < 0 || c > 63) throw new InvalidArgumentError(`bad capability ${c}`);
    m |= 1n << BigInt(c);
  }
  return m;
}

/** CAP numbers set in `mask`. */
export function capList(mask: bigint): number[] {
  const out: number[] = [];
  for (let c = 0; c < 64; c++) if ((mask >> BigInt(c)) & 1n) out.push(c);
  return out;
}

/** capget(2) for `pid` (0 = the calling thread). */
export function capget(pid = 0): CapabilitySets {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(_LINUX_CAPABILITY_VERSION_3, 0);
  hdr.writeInt32LE(pid, 4);
  const data = Buffer.alloc(24);
  syscall2(sysno.capget, hdr, data);
  const word = (i: number) => BigInt(data.readUInt32LE(i)) | (BigInt(data.readUInt32LE(12 + i)) << 32n);
  return { effective: word(0), permitted: word(4), inheritable: word(8) };
}

/** capset(2) on the calling thread. */
export function capset(sets: CapabilitySets): void {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(_LINUX_CAPABILITY_VERSION_3, 0);
  const data = Buffer.alloc(24);
  const put = (i: number, v: bigint) => {
    data.writeUInt32LE(Number(v & 0xffffffffn), i);
    data.writeUInt32LE(Number((v >> 32n) & 0xffffffffn), 12 + i);
  };
  put(0, sets.effective);
  put(4, sets.permitted);
  put(8, sets.inheritable);
  syscall2(sysno.capset, hdr, data);
}

let lastCap: number | undefined;

/**
 * The highest capability this kernel knows, probed with PR_CAPBSET_READ (EINVAL past the last one), so
 * that it works without /proc (after pivot_root); same value as /proc/sys/kernel/cap_last_cap.
 */
export function capLastCap(): number {
  if (lastCap !== undefined) return lastCap;
  let c = 0;
  while (c < 64 && prctlNoThrow(PR_CAPBSET_READ, c) >= 0) c++;
  lastCap = c - 1;
  return lastCap;
}

function prctlNoThrow(option: number, arg2: number): number {
  return syscallNoThrow(sysno.prctl, option, arg2, 0, 0, 0);
}

/** PR_CAPBSET_READ: is `cap` in the calling thread's bounding set? */
export function capbsetRead(cap: number): boolean {
  return prctl(PR_CAPBSET_READ, cap) === 1;
}

/** PR_CAPBSET_DROP (needs CAP_SETPCAP). */
export function capbsetDrop(cap: number): void {
  prctl(PR_CAPBSET_DROP, cap);
}

/** Drops every capability but `keep` from the calling thread's bounding set. */
export function dropBoundingSet(keep: readonly number[], lastCap = capLastCap()): void {
  const kept = new Set(keep);
  for (let c = 0; c <= lastCap; c++) if (!kept.has(c) && capbsetRead(c)) capbsetDrop(c);
}

/** The calling thread's bounding set as a mask. */
export function boundingSet(lastCap = capLastCap()): bigint {
  let m = 0n;
  for (let c = 0; c <= lastCap; c++) if (capbsetRead(c)) m |= 1n << BigInt(c);
  return m;
}

/** PR_CAP_AMBIENT_CLEAR_ALL. */
export function clearAmbientCapabilities(): void {
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
}
