// Namespaces: unshare(2), setns(2) and the CLONE_NEW* flags.
import { syscall1, syscall2 } from './syscall.js';
import { sysno } from './sysno.js';

export const CLONE_FS = 0x00000200;
export const CLONE_FILES = 0x00000400;
export const CLONE_SYSVSEM = 0x00040000;
export const CLONE_NEWTIME = 0x00000080;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

/** unshare(2) for the calling thread (CLONE_NEWNS also unshares its fs struct: root and cwd). */
export function unshare(flags: number): void {
  syscall1(sysno.unshare, flags);
}

/** setns(2): join the namespace behind `fd` (an nsfs file or a pidfd); nstype 0 = any. */
export function setns(fd: number, nstype = 0): void {
  syscall2(sysno.setns, fd, nstype);
}
