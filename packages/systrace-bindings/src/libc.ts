// The one place that loads koffi and, through it, the C library. Everything else declares its prototypes
// with libcFunction. koffi (a native addon) is loaded on the first call through it, not when the modules
// load: a process that never calls through it (a usage error, --help) does not pay for it.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Koffi from 'koffi';
import type { LibraryHandle } from 'koffi';

if (process.platform !== 'linux') {
  throw new Error('@sysjail/systrace-bindings runs on Linux only');
}

let loaded: typeof Koffi | undefined;

/**
 * koffi's native module. koffi's entry finds it by probing (the C library of node's ELF interpreter, then
 * its platform package; ~7 ms of a fresh process). On Linux x86_64 with glibc, the only platform this
 * package runs on, the platform package's glibc build is loaded straight from where node would find that
 * package from koffi's directory (dlopen ~1.1 ms), if it is that package's own version; anything else goes
 * through koffi's entry. Both directories are found as node's lookup finds a package (below), not by
 * require.resolve: a fresh process's first require.resolve costs 2.3-2.5 ms.
 */
function loadKoffi(): typeof Koffi {
  const require = createRequire(import.meta.url);
  try {
    const koffiDir = packageDirectory('koffi', dirname(fileURLToPath(import.meta.url)));
    const platform = koffiDir && packageDirectory('@koromix/koffi-linux-x64', koffiDir);
    if (platform) {
      const native = require(join(platform, 'linux_x64', 'koffi.node')) as typeof Koffi & {
        version?: string;
      };
      const { version } = JSON.parse(readFileSync(join(platform, 'package.json'), 'utf8')) as {
        version?: string;
      };
      if (native.version === version && typeof native.load === 'function') return native;
    }
  } catch {
    // not that layout, or not glibc: koffi's entry decides
  }
  return require('koffi') as typeof Koffi;
}

/**
 * The directory (real path) of package `name` as node's lookup finds it from `from`: `<dir>/node_modules/
 * <name>` holding a package.json, for `from` and each directory above it (a node_modules directory itself
 * is not given one); undefined if none.
 */
function packageDirectory(name: string, from: string): string | undefined {
  for (let d = from; ; d = dirname(d)) {
    if (basename(d) !== 'node_modules') {
      const file = join(d, 'node_modules', name, 'package.json');
      if (existsSync(file)) return dirname(realpathSync.native(file));
    }
    if (d === dirname(d)) return undefined;
  }
}

/** koffi, loaded on first use (from this package's node_modules). */
export function koffi(): typeof Koffi {
  if (loaded === undefined) loaded = loadKoffi();
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

const exitFn = libcFunction<(status: number) => void>('void _exit(int)');

/**
 * process.exit(status); once koffi is loaded, the process then ends by _exit(2) from the last 'exit'
 * listener (every other one has run), so the C library's exit handlers do not run. Among them are koffi's
 * static writers of stdout and stderr, which fsync(2) fds 1 and 2: a disk flush of the caller's files
 * when those are regular files (1-4 ms here), for output written long before. Call it with everything
 * written. Not when node was given options or NODE_OPTIONS, nor under NODE_V8_COVERAGE: those may write
 * their results (--cpu-prof, coverage) from node's own exit.
 */
export function exitProcess(status: number): never {
  if (loaded !== undefined && process.execArgv.length === 0) {
    const env = process.env;
    // With the status node would end with: an earlier listener may have set process.exitCode.
    const end = (code: number) => exitFn()(Number(process.exitCode ?? code));
    if (!env.NODE_OPTIONS && !env.NODE_V8_COVERAGE) process.once('exit', end);
  }
  return process.exit(status);
}
