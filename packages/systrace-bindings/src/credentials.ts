// setresuid(2) / setresgid(2) as raw system calls: they change the calling THREAD's credentials only
// (glibc's wrappers would change every thread of the process).
import { syscall3 } from './syscall.js';

const NR_setresuid = 117;
const NR_setresgid = 119;
const KEEP = -1;

export function threadSetresuid(ruid: number, euid = KEEP, suid = KEEP): void {
  syscall3(NR_setresuid, ruid, euid, suid);
}

export function threadSetresgid(rgid: number, egid = KEEP, sgid = KEEP): void {
  syscall3(NR_setresgid, rgid, egid, sgid);
}
