// The calling thread's root and working directory: pivot_root, chroot, chdir, fchdir.
import { cString } from './c-string.js';
import { syscall1, syscall2 } from './syscall.js';
import { sysno } from './sysno.js';

/** pivot_root(2): `newRoot` becomes / of the mount namespace, the old root moves to `putOld`. */
export function pivotRoot(newRoot: string, putOld: string): void {
  syscall2(sysno.pivot_root, cString(newRoot), cString(putOld));
}

export function chroot(path: string): void {
  syscall1(sysno.chroot, cString(path));
}

export function chdir(path: string): void {
  syscall1(sysno.chdir, cString(path));
}

export function fchdir(fd: number): void {
  syscall1(sysno.fchdir, fd);
}
