// prctl(2): process attributes (no_new_privs, parent-death signal, seccomp mode, bounding set ...).
import { syscall5 } from './syscall.js';
import { sysno } from './sysno.js';

export const PR_SET_PDEATHSIG = 1;
export const PR_GET_PDEATHSIG = 2;
export const PR_GET_DUMPABLE = 3;
export const PR_SET_DUMPABLE = 4;
export const PR_SET_KEEPCAPS = 8;
export const PR_SET_NAME = 15;
export const PR_GET_NAME = 16;
export const PR_GET_SECCOMP = 21;
export const PR_SET_SECCOMP = 22;
export const PR_CAPBSET_READ = 23;
export const PR_CAPBSET_DROP = 24;
export const PR_SET_SECUREBITS = 28;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39;
export const PR_CAP_AMBIENT = 47;
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;

/** Raw prctl(option, arg2..arg5); throws SyscallError. */
export function prctl(
  option: number,
  arg2: number | bigint = 0,
  arg3: number | bigint = 0,
  arg4: number | bigint = 0,
  arg5: number | bigint = 0,
): number {
  return syscall5(sysno.prctl, option, arg2, arg3, arg4, arg5);
}

/** PR_SET_NO_NEW_PRIVS: execve can no longer grant privileges (setuid, file caps). Per thread. */
export function setNoNewPrivs(): void {
  prctl(PR_SET_NO_NEW_PRIVS, 1);
}

export function getNoNewPrivs(): boolean {
  return prctl(PR_GET_NO_NEW_PRIVS) === 1;
}

/** PR_SET_PDEATHSIG: signal sent to this thread's process when the thread that forked it exits. */
export function setParentDeathSignal(signal: number): void {
  prctl(PR_SET_PDEATHSIG, signal);
}

/** PR_GET_SECCOMP: 0 disabled, 1 strict, 2 filter (for the calling thread). */
export function getSeccompMode(): number {
  return prctl(PR_GET_SECCOMP);
}
