import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { flock, LOCK_EX, LOCK_NB, SyscallError } from '@sysjail/systrace-bindings';
import { RegistryLockTimeoutError } from './errors.js';

// Made on first use: most runs never wait.
let sleeper: Int32Array | undefined;
function sleepMs(ms: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}

/** The pid holding a flock(2) lock on the file open at `fd`, from /proc/locks (for the timeout's message). */
function holderOf(fd: number): string {
  try {
    const ino = fstatSync(fd).ino;
    for (const line of readFileSync('/proc/locks', 'latin1').split('\n')) {
      const f = line.trim().split(/\s+/);
      // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
      if (f[1] === 'FLOCK' && f[5]?.endsWith(`:${ino}`)) return `pid ${f[4]}`;
    }
  } catch {}
  return '';
}

/**
 * Runs `fn` holding an exclusive lock on the file `path` (created if missing, and left in place):
 * flock(2) on an open description of its own, which the kernel releases when that description's last
 * fd closes, so a holder that was killed holds nothing. Synchronous: waits by sleeping, at most
 * `timeoutMs`.
 */
export function withLockFile<T>(path: string, fn: () => T, timeoutMs = 10_000): T {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  try {
    const deadline = Date.now() + timeoutMs;
    let wait = 1;
    for (;;) {
      try {
        flock(fd, LOCK_EX | LOCK_NB);
        break;
      } catch (e) {
        if (!(e instanceof SyscallError) || e.errnoName !== 'EAGAIN') throw e;
      }
      if (Date.now() > deadline) throw new RegistryLockTimeoutError(path, holderOf(fd));
      sleepMs(wait + Math.floor(Math.random() * wait));
      wait = Math.min(wait * 2, 20);
    }
    return fn();
  } finally {
    closeSync(fd);
  }
}
