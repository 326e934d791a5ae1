// The native launcher: libsysjail-launch (native/sysjail-launch.c, built by this package) through koffi.
// One synchronous call on the calling thread: clone3 into the request's namespaces and cgroup, the setup
// program in the child, exec; the caller's thread waits meanwhile (the child shares its memory until it
// execs). The child is the calling thread's: its parent-death signal fires when that thread ends.
import type { LibraryHandle } from 'koffi';
import { errnoName, InvalidArgumentError, SetupOpError, SpawnError } from '../errors.js';
import { close, O_CLOEXEC, O_RDWR, open } from '../file-descriptors.js';
import { koffi } from '../libc.js';
import type { StdioSpec } from './setup-op.js';
import { encodeSetupProgram, type LaunchRequest } from './setup-program.js';

/** A started child. The pidfd and the listener are the caller's to close; reaping the child is too. */
export interface LaunchedChild {
  pid: number;
  /** A pidfd of the child (CLONE_PIDFD): signal it, poll it, waitid(P_PIDFD) it. */
  pidfd: number;
  /** The seccomp listener, when a seccomp op asked for SECCOMP_FILTER_FLAG_NEW_LISTENER. */
  listenerFd: number | undefined;
}

type LaunchFn = (program: Uint8Array, len: number, out: Int32Array, detail: Uint8Array) => number;
type DescribeFn = (program: Uint8Array, len: number, text: Uint8Array, size: number) => number;

/** dist/native/libsysjail-launch.so, also when this module runs from src/ (tests). */
function libraryPath(): string {
  const here = new URL(import.meta.url);
  const url = here.pathname.endsWith('.ts')
    ? new URL('../../dist/native/libsysjail-launch.so', here)
    : new URL('../native/libsysjail-launch.so', here);
  return decodeURIComponent(url.pathname);
}

let native: { launch: LaunchFn; describe: DescribeFn } | undefined;

function library(): { launch: LaunchFn; describe: DescribeFn } {
  if (!native) {
    let lib: LibraryHandle;
    try {
      lib = koffi().load(libraryPath());
    } catch (e) {
      throw new SpawnError(`cannot load the native launcher (build @sysjail/systrace-bindings): ${e}`);
    }
    native = {
      launch: lib.func(
        'int sysjail_launch(void *program, uint32_t len, void *out, void *detail)',
      ) as unknown as LaunchFn,
      describe: lib.func(
        'int sysjail_describe(void *program, uint32_t len, void *text, uint32_t size)',
      ) as unknown as DescribeFn,
    };
  }
  return native;
}

const cText = (b: Uint8Array) => {
  const end = b.indexOf(0);
  return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('utf8');
};

/**
 * Starts `request` (see LaunchRequest). Throws a SetupOpError naming the failed op (index, system call,
 * errno; the child never exec'd and is reaped), or a SpawnError (clone, exec or the stdio map failed).
 */
export function launch(request: LaunchRequest): LaunchedChild {
  const program = encodeSetupProgram(request);
  const out = new Int32Array(4);
  const detail = new Uint8Array(64);
  const rc = library().launch(program, program.length, out, detail);
  if (rc === 0) return { pid: out[0], pidfd: out[1], listenerFd: out[2] >= 0 ? out[2] : undefined };
  const syscall = cText(detail);
  if (rc === 1) {
    const index = out[3];
    return fail(new SetupOpError(request.setup[index]?.op ?? '?', index, { syscall, errno: out[2] }));
  }
  if (rc === 2) {
    const name = errnoName(out[2]);
    const what = typeof request.command === 'string' ? request.command : `fd ${request.command.fd}`;
    return fail(new SpawnError(`spawn ${what}: ${syscall}: ${name} (errno ${out[2]})`, name));
  }
  return fail(new InvalidArgumentError(`the native launcher cannot decode record ${out[3]} of the program`));
}

function fail(e: Error): never {
  throw e;
}

/** The program as the C side decodes it, one record a line (see sysjail_describe): for tests. */
export function describeSetupProgram(program: Uint8Array): string {
  for (let size = 1 << 16; ; size *= 4) {
    const text = new Uint8Array(size);
    const n = library().describe(program, program.length, text, size);
    if (n === -2) continue;
    if (n < 0) throw new InvalidArgumentError(cText(text));
    return Buffer.from(text.subarray(0, n)).toString('utf8');
  }
}

/**
 * The stdio list of a request from specs: a number is that fd, 'inherit' fd i itself, 'ignore' /dev/null
 * (opened here: the child's new root may have none). Returns the fds and a function closing what it opened.
 */
export function stdioFds(spec: StdioSpec | readonly StdioSpec[] | undefined): {
  fds: number[];
  close(): void;
} {
  const list: readonly StdioSpec[] =
    spec === undefined ? ['inherit', 'inherit', 'inherit'] : Array.isArray(spec) ? spec : [spec, spec, spec];
  let devNull: number | undefined;
  const fds = list.map((s, i) => {
    if (s === 'inherit') return i;
    if (s === 'ignore') {
      devNull ??= open('/dev/null', O_RDWR | O_CLOEXEC);
      return devNull;
    }
    return s as number;
  });
  return {
    fds,
    close: () => {
      if (devNull !== undefined) close(devNull);
    },
  };
}
