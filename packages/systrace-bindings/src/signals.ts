// Signals by number: kill(2), tgkill(2), the calling thread's mask, and the x86_64 numbers.
import { syscall2, syscall3, syscall4 } from './syscall.js';
import { sysno } from './sysno.js';

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGABRT = 6;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGSYS = 31;

export function kill(pid: number, signal: number): void {
  syscall2(sysno.kill, pid, signal);
}

export function tgkill(tgid: number, tid: number, signal: number): void {
  syscall3(sysno.tgkill, tgid, tid, signal);
}

export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;
/** Every signal (those that cannot be blocked stay unblocked). */
export const ALL_SIGNALS = 0xffffffffffffffffn;

/** rt_sigprocmask(2) of the calling thread; `set` null only reads. Returns the previous mask. */
export function threadSignalMask(how: number, set: bigint | null): bigint {
  const old = Buffer.alloc(8);
  let next: Buffer | null = null;
  if (set !== null) {
    next = Buffer.alloc(8);
    next.writeBigUInt64LE(set);
  }
  syscall4(sysno.rt_sigprocmask, how, next, old, 8);
  return old.readBigUInt64LE(0);
}

/** Runs fn with every signal blocked on this thread (a pending one waits until fn returns). */
export function withSignalsBlocked<T>(fn: () => T): T {
  const old = threadSignalMask(SIG_BLOCK, ALL_SIGNALS);
  try {
    return fn();
  } finally {
    threadSignalMask(SIG_SETMASK, old);
  }
}
