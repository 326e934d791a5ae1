// poll(2) on a few fds; retries EINTR with the remaining time.

import type { KoffiFunc } from 'koffi';
import { SyscallError } from './errors.js';
import { lastErrno, libcFunction } from './libc.js';
import { sysno } from './sysno.js';

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

export interface PollFd {
  fd: number;
  events: number;
}

const EINTR = 4;

/** Returns each fd's revents (0 when not ready); timeoutMs < 0 waits forever. */
export function poll(fds: readonly PollFd[], timeoutMs: number): number[] {
  const buf = Buffer.alloc(8 * fds.length);
  fds.forEach((p, i) => {
    buf.writeInt32LE(p.fd, 8 * i);
    buf.writeInt16LE(p.events, 8 * i + 4);
  });
  pollRaw(buf, fds.length, timeoutMs);
  return fds.map((_, i) => buf.readUInt16LE(8 * i + 6));
}

/** poll(2) on a prepared struct pollfd[] buffer; returns the number of ready fds. */
export function pollRaw(pollfds: Uint8Array, count: number, timeoutMs: number): number {
  const r = pollSyscall()(sysno.poll, pollfds, count, timeoutMs);
  if (r >= 0) return r;
  return pollRetry(pollfds, count, timeoutMs);
}

// a dedicated prototype: this is on the supervisor's hot path
const pollSyscall = libcFunction<(nr: number, fds: Uint8Array, n: number, timeout: number) => number>(
  'long syscall(long nr, void *fds, unsigned long n, int timeout)',
);

function pollRetry(pollfds: Uint8Array, count: number, timeoutMs: number): number {
  const deadline = timeoutMs >= 0 ? performance.now() + timeoutMs : 0;
  for (;;) {
    const errno = lastErrno();
    if (errno !== EINTR) throw new SyscallError('poll', errno);
    const wait = timeoutMs >= 0 ? Math.max(0, Math.ceil(deadline - performance.now())) : -1;
    const r = pollSyscall()(sysno.poll, pollfds, count, wait);
    if (r >= 0) return r;
  }
}

const pollOnPool = libcFunction<KoffiFunc<(fds: Buffer, n: number, timeout: number) => number>>(
  'int poll(void *fds, unsigned long n, int timeout)',
);

/**
 * poll(2) waiting on libuv's thread pool (a koffi async call): resolves in this thread's event loop with
 * each fd's revents (all 0 if it was interrupted). Holds one pool thread while it waits, and keeps the
 * event loop alive: wake it (a pipe among the fds) rather than leave it waiting at the process's exit.
 */
export function pollAsync(fds: readonly PollFd[], timeoutMs: number): Promise<number[]> {
  const buf = Buffer.alloc(8 * fds.length);
  fds.forEach((p, i) => {
    buf.writeInt32LE(p.fd, 8 * i);
    buf.writeInt16LE(p.events, 8 * i + 4);
  });
  return new Promise((resolve, reject) => {
    pollOnPool().async(buf, fds.length, timeoutMs, (err: unknown, r: number) => {
      if (err) reject(err);
      else resolve(fds.map((_, i) => (r > 0 ? buf.readUInt16LE(8 * i + 6) : 0)));
    });
  });
}
