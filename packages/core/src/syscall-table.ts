import type { Architecture } from './arch.js';

/**
 * How a syscall argument is read. Width matters for filters: an `int` argument is compared on its low
 * 32 bits only, because the kernel ignores the upper half of the register (a caller can fill it with junk).
 */
export type ArgKind =
  | 'int' // signed int, 32 bits
  | 'uint' // unsigned int / flags, 32 bits
  | 'long' // long / size_t / off_t: word size of the ABI
  | 'fd' // int file descriptor
  | 'pid' // pid_t
  | 'ptr' // pointer to memory the call reads or writes
  | 'path' // const char * path name
  | 'str'; // const char * other than a path

/** Groups of calls that policies may speak of (strace's trace classes). */
export type SyscallClass = 'file' | 'desc' | 'network' | 'process' | 'signal' | 'ipc' | 'memory' | 'creds';

export interface SyscallEntry {
  /** Kernel name exactly (`pread64`, `umount2`, `_llseek`). */
  readonly name: string;
  readonly nr: number;
  readonly args: readonly ArgKind[];
  /** The kernel's parameter names, in the order of `args` (listeners get the arguments by them too). */
  readonly argNames?: readonly string[];
  readonly classes?: readonly SyscallClass[];
}

/** One ABI's syscall table. A call the ABI lacks is absent. */
export interface SyscallTable {
  readonly arch: Architecture;
  readonly entries: readonly SyscallEntry[];
}

export function syscallByName(table: SyscallTable, name: string): SyscallEntry | undefined {
  return table.entries.find((e) => e.name === name);
}

export function syscallByNumber(table: SyscallTable, nr: number): SyscallEntry | undefined {
  return table.entries.find((e) => e.nr === nr);
}
