// Paths relative to a directory fd (openat2 is in openat2.ts): mkdirat, symlinkat, unlinkat,
// readlinkat, renameat2. Host code that touches a jail's files goes through these with the jail root's fd.
import { cString } from './c-string.js';
import { syscall3, syscall4, syscall5 } from './syscall.js';
import { sysno } from './sysno.js';

export const AT_REMOVEDIR = 0x200;
export const RENAME_NOREPLACE = 0x1;

export function mkdirat(dirfd: number, path: string, mode: number): void {
  syscall3(sysno.mkdirat, dirfd, cString(path), mode);
}

export function symlinkat(target: string, dirfd: number, path: string): void {
  syscall3(sysno.symlinkat, cString(target), dirfd, cString(path));
}

/** readlinkat(2): the target of the link `path` in `dirfd`. */
export function readlinkat(dirfd: number, path: string): string {
  const buf = Buffer.alloc(4096);
  const n = syscall4(sysno.readlinkat, dirfd, cString(path), buf, buf.length);
  return buf.toString('utf8', 0, n);
}

export function unlinkat(dirfd: number, path: string, flags = 0): void {
  syscall3(sysno.unlinkat, dirfd, cString(path), flags);
}

/** renameat2(2); `flags` RENAME_NOREPLACE and friends. Replaces `newPath` itself, never what it links to. */
export function renameat2(
  oldDirfd: number,
  oldPath: string,
  newDirfd: number,
  newPath: string,
  flags = 0,
): void {
  syscall5(sysno.renameat2, oldDirfd, cString(oldPath), newDirfd, cString(newPath), flags);
}
