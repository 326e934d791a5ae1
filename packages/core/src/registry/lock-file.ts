import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { RegistryLockTimeoutError } from './errors.js';
import { isSameProcess, processStartTime } from './process-start-time.js';

// Made on first use: most runs never wait.
let sleeper: Int32Array | undefined;
function sleepMs(ms: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}

/** A holder that has created the file but not yet written itself in gets this long. */
const EMPTY_GRACE_MS = 5_000;
/** Breaking a stale lock takes microseconds; a break marker older than this is itself stale. */
const BREAK_GRACE_MS = 5_000;

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** `"<pid> <starttime>"` of a live holder → false; of a dead or reused pid → true. */
function isStale(path: string, content: string): boolean {
  if (content === '') return ageMs(path) > EMPTY_GRACE_MS;
  const [pid, start] = content.trim().split(' ').map(Number);
  return !isSameProcess(pid, Number.isFinite(start) ? start : undefined);
}

/**
 * Removes the lock at `path` if it still holds `seen`. Breakers serialize on `<path>.break` (O_EXCL), so
 * one breaker cannot remove the lock another process has just taken after an earlier break.
 */
function breakStale(path: string, seen: string): void {
  const marker = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(marker, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (ageMs(marker) > BREAK_GRACE_MS) {
      try {
        unlinkSync(marker);
      } catch {}
    }
    return;
  }
  try {
    if (readOrUndefined(path) === seen) unlinkSync(path);
  } finally {
    closeSync(fd);
    unlinkSync(marker);
  }
}

/**
 * Runs `fn` holding an exclusive lock: the file `path` created with O_EXCL, holding `"<pid> <starttime>"`.
 * A lock left by a dead process (or a reused pid) is detected and broken. Synchronous: waits by sleeping.
 */
export function withLockFile<T>(path: string, fn: () => T, timeoutMs = 10_000): T {
  const me = `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim();
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      break;
    }
    const holder = readOrUndefined(path);
    if (holder === undefined) continue;
    if (isStale(path, holder)) {
      breakStale(path, holder);
      continue;
    }
    if (Date.now() > deadline) throw new RegistryLockTimeoutError(path, holder);
    sleepMs(wait + Math.floor(Math.random() * wait));
    wait = Math.min(wait * 2, 20);
  }
  try {
    return fn();
  } finally {
    if (readOrUndefined(path) === me) unlinkSync(path);
  }
}
