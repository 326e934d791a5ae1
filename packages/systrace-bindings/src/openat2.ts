// openat2(2): opening a path with constraints on how it resolves.
import { syscall4 } from './syscall.js';

const NR_openat2 = 437;

export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;

/** openat2(dirfd, path, { flags, mode, resolve }). */
export function openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(mode), 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  return syscall4(NR_openat2, dirfd, Buffer.from(`${path}\0`), how, how.length);
}
