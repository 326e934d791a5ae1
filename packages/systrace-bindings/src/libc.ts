// The one place that loads koffi and, through it, the C library. Everything else declares its prototypes
// with libcFunction. koffi (a native addon) is loaded on the first call through it, not when the modules
// load: a process that never calls through it (a usage error, --help) does not pay for it.
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';
import type { LibraryHandle } from 'koffi';

if (process.platform !== 'linux') {
  throw new Error('@sysjail/systrace-bindings runs on Linux only');
}

let loaded: typeof Koffi | undefined;

/** koffi, loaded on first use (from this package's node_modules). */
export function koffi(): typeof Koffi {
  if (loaded === undefined) loaded = createRequire(import.meta.url)('koffi') as typeof Koffi;
  return loaded;
}

let handle: LibraryHandle | undefined;

/** glibc, already mapped into every Node process on Linux. */
export function libc(): LibraryHandle {
  if (handle === undefined) handle = koffi().load('libc.so.6');
  return handle;
}

/**
 * A libc function by its C prototype, bound on first use: `const f = libcFunction<F>('...')` at module
 * level, `f()(args)` at the call (after the first call, one comparison).
 */
export function libcFunction<F>(prototype: string): () => F {
  let bound: F | undefined;
  return () => {
    if (bound === undefined) bound = libc().func(prototype) as unknown as F;
    return bound;
  };
}

/**
 * Loads koffi and the C library now. A worker thread calls it before it says it is ready: terminating a
 * worker while it loads koffi's native module can bring the whole process down.
 */
export function loadNative(): void {
  libc();
}

/** errno as left by the last koffi call on this thread. */
export function lastErrno(): number {
  return koffi().errno();
}

/** The address of a Buffer's first byte, for structs that hold pointers (iovec, msghdr ...). */
export function addressOf(buf: Uint8Array): bigint {
  return koffi().address(buf);
}
