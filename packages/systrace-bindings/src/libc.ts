// The one place that loads the C library through koffi. Everything else declares its prototypes on `libc`.
import koffi, { type LibraryHandle } from 'koffi';

if (process.platform !== 'linux') {
  throw new Error('@sysjail/systrace-bindings runs on Linux only');
}

/** glibc, already mapped into every Node process on Linux. */
export const libc: LibraryHandle = koffi.load('libc.so.6');

/** errno as left by the last koffi call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** The address of a Buffer's first byte, for structs that hold pointers (iovec, msghdr ...). */
export function addressOf(buf: Uint8Array): bigint {
  return koffi.address(buf);
}
