// fstat(2), fstatfs(2) and statx(2): the few fields sysjail looks at.
import { cString } from './c-string.js';
import { syscall2, syscall5 } from './syscall.js';
import { sysno } from './sysno.js';

const NR_fstat = 5;
const NR_fstatfs = 138;

export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFSOCK = 0o140000;

export interface FileStatus {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly mode: number;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

/** fstat(fd) (x86_64 struct stat). */
export function fstat(fd: number): FileStatus {
  const st = Buffer.alloc(144);
  syscall2(NR_fstat, fd, st);
  const rdev = st.readBigUInt64LE(40);
  return {
    dev: st.readBigUInt64LE(0),
    ino: st.readBigUInt64LE(8),
    mode: st.readUInt32LE(24),
    rdevMajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    rdevMinor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
}

/** fstatfs(fd): the filesystem's magic number. */
export function fstatfs(fd: number): { readonly type: number } {
  const sf = Buffer.alloc(120);
  syscall2(NR_fstatfs, fd, sf);
  return { type: Number(sf.readBigInt64LE(0)) };
}

export const STATX_TYPE = 0x1;
export const STATX_MODE = 0x2;
export const STATX_INO = 0x100;
export const STATX_MNT_ID = 0x1000;
/** A mount id never reused while the system runs (Linux 6.8). */
export const STATX_MNT_ID_UNIQUE = 0x4000;

export interface Statx {
  /** The STATX_* fields the kernel filled in. */
  readonly mask: number;
  readonly mode: number;
  readonly ino: bigint;
  readonly devMajor: number;
  readonly devMinor: number;
  /** The mount's id (STATX_MNT_ID or STATX_MNT_ID_UNIQUE, as `mask` says). */
  readonly mntId: bigint;
}

/** statx(dirfd, path, flags, mask) (struct statx of linux/stat.h). */
export function statx(dirfd: number, path: string, flags: number, mask: number): Statx {
  const st = Buffer.alloc(256);
  syscall5(sysno.statx, dirfd, cString(path), flags, mask, st);
  return {
    mask: st.readUInt32LE(0),
    mode: st.readUInt16LE(28),
    ino: st.readBigUInt64LE(32),
    devMajor: st.readUInt32LE(136),
    devMinor: st.readUInt32LE(140),
    mntId: st.readBigUInt64LE(144),
  };
}
