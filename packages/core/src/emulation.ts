import type { Architecture } from './arch.js';
import type { Policy } from './policy.js';
import type { Prison } from './prison.js';
import type { EmulationHandlers } from './supervisor/handler-context.js';
import type { SyscallTable } from './syscall-table.js';

/**
 * The contract an emulation package implements (a plain object; the cli keeps the list and picks one
 * with `detect`). Core names no emulation.
 */
export interface Emulation {
  readonly name: string;
  readonly description: string;
  /** The ABIs a jailed process may use, each with its table. The first is the native one. */
  readonly tables: readonly SyscallTable[];
  /** ABIs that share the audit arch of a table but must be refused (x32): their calls are killed. */
  readonly refusedArchitectures: readonly Architecture[];
  /** errno name → number for this emulation. */
  readonly errno: Readonly<Record<string, number>>;
  /**
   * The jail policy for a prison; calls absent from a table get `unknownDecision`. A function of the
   * prison alone: a process keeps the filters it made for a prison (see jail/filter-cache.ts).
   */
  policy(prison: Prison): Policy;
  /**
   * For --explain: the name of a constant an argument value of a rule stands for (`AF_UNIX` for
   * socket's argument 0 equal to 1), or undefined to print the number.
   */
  argumentName?(syscall: string, arg: number, value: bigint): string | undefined;
  /**
   * The module of the handlers its policy names in notify(name), which the supervisor thread imports,
   * and their names. Without it a policy may not notify.
   */
  readonly handlers?: EmulationHandlers;
  /**
   * A SHA-256 (hex) of `emulationTablesText(this)` (core's internals), which the filter cache's key then
   * names the tables by instead of hashing their text (about 1 ms of a start). Only a digest made from
   * this very object's tables (the cli's bundle build writes the one of its bundled copy in): another
   * would let a cached filter of other tables be used.
   */
  readonly tablesDigest?: string;
  /** True when this emulation runs the given executable (its first bytes, ELF header). */
  detect(header: Uint8Array): boolean;
  /**
   * For an emulation whose programs the kernel cannot run: the host path of a static executable of
   * the native emulation's ABI that runs them in-process (`loader path argv...`). Such a program is
   * jailed under the native emulation's filter, run by the loader (JailOptions.loader).
   */
  readonly loader?: string;
  /**
   * With `loader`: how the kernel's binfmt_misc recognises this emulation's programs (bytes at the start
   * of the file). A jail that asks for it (JailOptions.loaderBinfmt) gets a binfmt_misc instance of its
   * own with this rule, so that every exec in the jail of such a file runs the loader, whoever execs it.
   */
  readonly binfmt?: BinfmtRule;
}

/**
 * A binfmt_misc magic rule: the file's bytes at `offset`, and-ed with `mask` (all ones without one),
 * equal `magic` (at most 128 bytes from the start).
 */
export interface BinfmtRule {
  readonly offset: number;
  readonly magic: Uint8Array;
  readonly mask?: Uint8Array;
}

/**
 * Where a program loader may publish what it runs, for sjls -v: one page at this address in the loaded
 * process, "SJLOADR1", the emulation's name (16 bytes, NUL-padded), u64 untranslated calls, u32 n,
 * u32 pad, then n entries of { u32 nr, u32 count, char name[24] }. Read by the host for display only
 * (the program can write it).
 */
export const LOADER_STATUS_ADDRESS = 0x5ffff000;
