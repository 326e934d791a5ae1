// fstat(2) and fstatfs(2): the few fields sysjail looks at.
import { syscall2 } from './syscall.js';

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
