// Identity of the calling process and thread.
import { syscall0 } from './syscall.js';
import { sysno } from './sysno.js';

export function getpid(): number {
  return syscall0(sysno.getpid);
}

/** The calling thread's id (differs from getpid() in a worker thread). */
export function gettid(): number {
  return syscall0(sysno.gettid);
}

export function getppid(): number {
  return syscall0(sysno.getppid);
}

export function getuid(): number {
  return syscall0(sysno.getuid);
}
