import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
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

export interface LockFileOptions {
  /** How long to wait for another holder (default 10 s). */
  readonly timeoutMs?: number;
  /**
   * Remove the file before the lock is released, so that none is left while nobody holds it (a lock
   * taken seldom: the shared supervisor's claim). A process that waited on the removed file tries
   * again on the path's new one.
   */
  readonly remove?: boolean;
}

/** Whether the file open at `fd` is still the one at `path` (not removed or replaced meanwhile). */
function stillAt(fd: number, path: string): boolean {
  try {
    const open = fstatSync(fd);
    const now = lstatSync(path);
    return open.ino === now.ino && open.dev === now.dev;
  } catch {
    return false;
  }
}

/** Takes the flock(2) lock of `fd`, sleeping while another holds it, until `deadline`. */
function lock(fd: number, path: string, deadline: number): void {
  let wait = 1;
  for (;;) {
    try {
      flock(fd, LOCK_EX | LOCK_NB);
      return;
    } catch (e) {
      if (!(e instanceof SyscallError) || e.errnoName !== 'EAGAIN') throw e;
    }
    if (Date.now() > deadline) throw new RegistryLockTimeoutError(path, holderOf(fd));
    sleepMs(wait + Math.floor(Math.random() * wait));
    wait = Math.min(wait * 2, 20);
  }
}

/**
 * Runs `fn` holding an exclusive lock on the file `path` (created if missing; left in place unless
 * `remove`): flock(2) on an open description of its own, which the kernel releases when that
 * description's last fd closes, so a holder that was killed holds nothing. Synchronous: waits by
 * sleeping, at most `timeoutMs`.
 */
export function withLockFile<T>(path: string, fn: () => T, options: LockFileOptions = {}): T {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    try {
      lock(fd, path, deadline);
      if (stillAt(fd, path)) {
        try {
          return fn();
        } finally {
          if (options.remove) unlinkSync(path);
        }
      }
    } finally {
      closeSync(fd);
    }
  }
}
