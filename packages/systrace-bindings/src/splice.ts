// splice(2), sendfile(2) and pipe sizes: moving data between descriptors without copying it through user
// space.
import { syscallNoThrow } from './syscall.js';

const NR_splice = 275;
const NR_sendfile = 40;

export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;

/** Moves up to `length` bytes from `from` to `to` (one of them a pipe); returns bytes moved or -errno. */
export function splice(from: number, to: number, length: number, flags: number): number {
  return syscallNoThrow(NR_splice, from, null, to, null, length, flags);
}

/**
 * Copies up to `length` bytes from `from` (a file, read at its offset, which moves) to `to`; returns bytes
 * copied (0 at the file's end) or -errno.
 */
export function sendfile(to: number, from: number, length: number): number {
  return syscallNoThrow(NR_sendfile, to, from, null, length);
}
