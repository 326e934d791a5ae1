// The contract between the supervisor thread and an emulation's notify handlers. An emulation names a
// module (Emulation.handlers.module); the supervisor thread imports it and calls its `handlers` by the
// name policies use in notify(name). Handlers hold the ABI knowledge (argument layouts, magic numbers,
// flag bits); the context holds the mechanism (copying from the caller, performing calls on the host).

import type { Decision, Rule } from '../policy.js';
import type { Prison } from '../prison.js';

/** A call the kernel handed to the supervisor: the kernel's copy of its registers. */
export interface NotifiedCall {
  /** The notification's cookie. */
  readonly id: bigint;
  /** Host thread id of the caller. */
  readonly pid: number;
  /** The ABI (seccomp_data.arch) and its name and word size, from the emulation's tables. */
  readonly auditArch: number;
  readonly abi: string;
  readonly bits: 32 | 64;
  readonly nr: number;
  /** The syscall's name in the table of this ABI. */
  readonly syscall: string;
  readonly args: readonly bigint[];
  /** The policy rule that sent the call here. */
  readonly rule?: Rule;
}

/** A handler's answer: a return value, an errno (a name of the emulation's map), or "already answered". */
export type Reply =
  | { readonly val: number }
  | { readonly errno: string; readonly reason?: string }
  | { readonly sent: true };

/** A resource limit as the host's prlimit64 reads it (RLIM_INFINITY: 2^64-1). */
export interface HostRlimit {
  readonly cur: bigint;
  readonly max: bigint;
}

/** A socket address as copied from the caller, decoded in the host's (Linux) layout. */
export type CopiedSockaddr =
  | { readonly family: number; readonly address: string; readonly port: number }
  | { readonly family: number; readonly path: string }
  | { readonly family: number; readonly raw: Buffer };

/**
 * The jail and the caller as a handler sees them. Copy-in helpers copy once; the handler decides on its
 * copy and then performs the operation through a perform helper (never lets the call continue).
 * Helpers throw the host's SyscallError when the host refuses; the supervisor answers it with the
 * emulation's errno of the same name.
 */
export interface HandlerContext {
  readonly jid: number;
  /** The prison now: jail.change replaces its addresses and host name. */
  readonly prison: Prison;

  /** Still the same call (the caller did not die and its pid was not reused)? Ask after copying. */
  stillValid(): boolean;
  /** Copy-in: `length` bytes of the caller's memory. */
  read(address: bigint, length: number): Buffer;
  /** Copy-in: a NUL-terminated string of at most `max` bytes (without the NUL). */
  readString(address: bigint, max: number): Buffer;
  /** Copy-in: a socket address of `length` bytes, host layout. */
  readSockaddr(address: bigint, length: number): CopiedSockaddr;
  /** Copy-out: writes into the caller's memory (results such as an old limit). */
  write(address: bigint, data: Uint8Array): void;

  /** The jail's filter decision for a call of this ABI by name with the given arguments (synthetic). */
  evaluate(syscall: string, args: readonly bigint[]): Decision & { readonly reason?: string };

  /**
   * Runs fn on the caller's descriptor `fd`, taken with pidfd_getfd (the object, not the number);
   * undefined if the call is gone.
   */
  withCallerFd<T>(fd: number, fn: (ours: number) => T): T | undefined;
  /**
   * listen(2) on the caller's socket `fd`: a never-bound inet socket is first bound to the jail's first
   * address of its family.
   */
  listen(fd: number, backlog: number): Reply;
  /**
   * socket(2) for the caller, made by the jail's init (so it is in the jail's cgroup and under its address
   * programs) and installed in the caller as the call's result. Host family, type and protocol; the
   * caller decides the policy first (evaluate).
   */
  socket(family: number, type: number, protocol: number, closeOnExec: boolean): Reply;
  /**
   * socket(AF_UNIX) for the caller, made by the supervisor in the jail's own network namespace (an
   * empty one per jail), so that every abstract name the socket binds, connects to or autobinds is the
   * jail's own, never the host's; installed in the caller as the call's result. Host type and protocol.
   */
  unixSocket(type: number, protocol: number, closeOnExec: boolean): Reply;
  /**
   * socketpair(AF_UNIX) likewise: both sockets installed in the caller; returns their numbers there (the
   * handler writes them where the caller asked).
   */
  unixSocketpair(type: number, protocol: number, closeOnExec: boolean): readonly [number, number];
  /**
   * prlimit64(2) as the caller may do it: `jailPid` as the jail sees it (0: the caller), the resource by
   * its host name (`RLIMIT_NOFILE`); raising a hard limit needs allow.rlimit. Returns the limit before,
   * or a refusal (EINVAL for a resource the host does not have).
   */
  prlimit(
    jailPid: number,
    resource: string,
    wanted: HostRlimit | undefined,
  ): { readonly old: HostRlimit } | { readonly errno: string; readonly reason?: string };
  /** Sets the host name in the jail's own UTS namespace (never the host's). */
  sethostname(name: Buffer): Reply;
  /** Kills the calling process (SIGKILL). */
  killCaller(): void;
  /** Ends the jail (its init and every process in it); the call is left unanswered. */
  shutdown(reason: string): Reply;
}

export type Handler = (call: NotifiedCall, ctx: HandlerContext) => Reply;

/** What an emulation's handler module exports. */
export interface HandlerModule {
  readonly handlers: Readonly<Record<string, Handler>>;
}

/** How an emulation names its handler module (Emulation.handlers). */
export interface EmulationHandlers {
  /**
   * An absolute module specifier the supervisor thread can import (a file: URL, built JavaScript):
   * it runs in a worker, so the module is loaded by specifier, not passed as an object.
   */
  readonly module: string;
  /** The handler names the module exports, for compileFilter's check. */
  readonly names: readonly string[];
}
