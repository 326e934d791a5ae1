// Resource limits: prlimit64(2) with 64-bit (bigint) values.
import { syscall4 } from './syscall.js';
import { sysno } from './sysno.js';

export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
export const RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11;
export const RLIMIT_MSGQUEUE = 12;
export const RLIMIT_NICE = 13;
export const RLIMIT_RTPRIO = 14;
export const RLIMIT_RTTIME = 15;

/** The resources by name. */
export const rlimitResources: Readonly<Record<string, number>> = Object.freeze({
  RLIMIT_CPU,
  RLIMIT_FSIZE,
  RLIMIT_DATA,
  RLIMIT_STACK,
  RLIMIT_CORE,
  RLIMIT_RSS,
  RLIMIT_NPROC,
  RLIMIT_NOFILE,
  RLIMIT_MEMLOCK,
  RLIMIT_AS,
  RLIMIT_LOCKS,
  RLIMIT_SIGPENDING,
  RLIMIT_MSGQUEUE,
  RLIMIT_NICE,
  RLIMIT_RTPRIO,
  RLIMIT_RTTIME,
});

export const RLIM_INFINITY = 0xffffffffffffffffn;

export interface Rlimit {
  cur: bigint;
  max: bigint;
}

/** prlimit64(2) on `pid` (0 = self): sets `newLimit` if given; returns the old limit. */
export function prlimit64(pid: number, resource: number, newLimit?: Rlimit): Rlimit {
  let nl: Buffer | null = null;
  if (newLimit) {
    nl = Buffer.alloc(16);
    nl.writeBigUInt64LE(newLimit.cur, 0);
    nl.writeBigUInt64LE(newLimit.max, 8);
  }
  const old = Buffer.alloc(16);
  syscall4(sysno.prlimit64, pid, resource, nl, old);
  return { cur: old.readBigUInt64LE(0), max: old.readBigUInt64LE(8) };
}
