// Process file descriptors: pidfd_open, pidfd_getfd, pidfd_send_signal.
import { syscall2, syscall3, syscall4 } from './syscall.js';
import { sysno } from './sysno.js';

export const PIDFD_NONBLOCK = 0o4000;
export const PIDFD_THREAD = 0o200;

/** pidfd_open(2). */
export function pidfdOpen(pid: number, flags = 0): number {
  return syscall2(sysno.pidfd_open, pid, flags);
}

/** pidfd_getfd(2): a duplicate (close-on-exec) of `targetFd` from the process behind `pidfd`. */
export function pidfdGetfd(pidfd: number, targetFd: number, flags = 0): number {
  return syscall3(sysno.pidfd_getfd, pidfd, targetFd, flags);
}

/** pidfd_send_signal(2) without siginfo. */
export function pidfdSendSignal(pidfd: number, signal: number, flags = 0): void {
  syscall4(sysno.pidfd_send_signal, pidfd, signal, null, flags);
}
