// Raw system calls through glibc's syscall(3).
//
// Measured with koffi 3.3.4 on Node 20 (x86_64): one prototype per arity whose arguments are all `void *`
// accepts number, bigint, Buffer/Uint8Array (its data pointer, zero-copy: the kernel writes in place) and
// null; a fixed arity costs ~220 ns (0 args) to ~340 ns (6 args) per call, variadic ~290 ns plus a type
// string per argument, koffi.address() per Buffer ~+70 ns. So: six cached prototypes, picked by arity.
import { SyscallError } from './errors.js';
import { lastErrno, libcFunction } from './libc.js';
import { sysnoName } from './sysno.js';

if (process.arch !== 'x64') {
  throw new Error('@sysjail/systrace-bindings: only x86_64 system call numbers are known');
}

/** An argument register: an integer, or a buffer passed as a pointer to its first byte, or NULL. */
export type SyscallArg = number | bigint | Uint8Array | null;

type P0 = (nr: number) => number;
type P1 = (nr: number, a: SyscallArg) => number;
type P2 = (nr: number, a: SyscallArg, b: SyscallArg) => number;
type P3 = (nr: number, a: SyscallArg, b: SyscallArg, c: SyscallArg) => number;
type P4 = (nr: number, a: SyscallArg, b: SyscallArg, c: SyscallArg, d: SyscallArg) => number;
type P5 = (nr: number, a: SyscallArg, b: SyscallArg, c: SyscallArg, d: SyscallArg, e: SyscallArg) => number;
type P6 = (
  nr: number,
  a: SyscallArg,
  b: SyscallArg,
  c: SyscallArg,
  d: SyscallArg,
  e: SyscallArg,
  f: SyscallArg,
) => number;

const p0 = libcFunction<P0>('long syscall(long nr)');
const p1 = libcFunction<P1>('long syscall(long nr, void *a)');
const p2 = libcFunction<P2>('long syscall(long nr, void *a, void *b)');
const p3 = libcFunction<P3>('long syscall(long nr, void *a, void *b, void *c)');
const p4 = libcFunction<P4>('long syscall(long nr, void *a, void *b, void *c, void *d)');
const p5 = libcFunction<P5>('long syscall(long nr, void *a, void *b, void *c, void *d, void *e)');
const p6 = libcFunction<P6>('long syscall(long nr, void *a, void *b, void *c, void *d, void *e, void *f)');

function fail(nr: number): never {
  throw new SyscallError(sysnoName(nr), lastErrno());
}

/** syscall(nr) ; throws SyscallError when the kernel returns an error. */
export function syscall0(nr: number): number {
  const r = p0()(nr);
  return r === -1 ? fail(nr) : r;
}

export function syscall1(nr: number, a: SyscallArg): number {
  const r = p1()(nr, a);
  return r === -1 ? fail(nr) : r;
}

export function syscall2(nr: number, a: SyscallArg, b: SyscallArg): number {
  const r = p2()(nr, a, b);
  return r === -1 ? fail(nr) : r;
}

export function syscall3(nr: number, a: SyscallArg, b: SyscallArg, c: SyscallArg): number {
  const r = p3()(nr, a, b, c);
  return r === -1 ? fail(nr) : r;
}

export function syscall4(nr: number, a: SyscallArg, b: SyscallArg, c: SyscallArg, d: SyscallArg): number {
  const r = p4()(nr, a, b, c, d);
  return r === -1 ? fail(nr) : r;
}

export function syscall5(
  nr: number,
  a: SyscallArg,
  b: SyscallArg,
  c: SyscallArg,
  d: SyscallArg,
  e: SyscallArg,
): number {
  const r = p5()(nr, a, b, c, d, e);
  return r === -1 ? fail(nr) : r;
}

export function syscall6(
  nr: number,
  a: SyscallArg,
  b: SyscallArg,
  c: SyscallArg,
  d: SyscallArg,
  e: SyscallArg,
  f: SyscallArg,
): number {
  const r = p6()(nr, a, b, c, d, e, f);
  return r === -1 ? fail(nr) : r;
}

/**
 * Returns the kernel's result (number; x86_64 results fit in 2^53) or throws SyscallError with the
 * errno. Up to six arguments; hot paths should call the fixed-arity syscallN directly.
 */
export function syscall(nr: number, ...args: SyscallArg[]): number {
  const r = syscallNoThrow(nr, ...args);
  return r < 0 && r > -4096 ? fail2(nr, -r) : r;
}

function fail2(nr: number, errno: number): never {
  throw new SyscallError(sysnoName(nr), errno);
}

/** Like syscall() but returns -errno instead of throwing (the kernel's own convention). */
export function syscallNoThrow(nr: number, ...args: SyscallArg[]): number {
  let r: number;
  switch (args.length) {
    case 0:
      r = p0()(nr);
      break;
    case 1:
      r = p1()(nr, args[0]);
      break;
    case 2:
      r = p2()(nr, args[0], args[1]);
      break;
    case 3:
      r = p3()(nr, args[0], args[1], args[2]);
      break;
    case 4:
      r = p4()(nr, args[0], args[1], args[2], args[3]);
      break;
    case 5:
      r = p5()(nr, args[0], args[1], args[2], args[3], args[4]);
      break;
    case 6:
      r = p6()(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
      break;
    default:
      throw new RangeError(`syscall ${sysnoName(nr)}: at most 6 arguments, got ${args.length}`);
  }
  return r === -1 ? -lastErrno() : r;
}
