// Signals by number: kill(2), tgkill(2), and the x86_64 numbers.
import { syscall2, syscall3 } from './syscall.js';
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
