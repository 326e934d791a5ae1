import type { ArgTest } from '../policy.js';
import type { ArgKind, SyscallClass } from '../syscall-table.js';

/**
 * A listener (sysjail(3)): a handler, in the process that embeds the jail, for the calls it names.
 * The jail's seccomp filter sends those calls to the supervisor thread, which copies their strings and
 * socket addresses once, hands the copy to the handler through the main thread's event loop and answers
 * the call with what the handler says. Registered in `JailOptions.listeners` or a policy's `listeners`:
 * the filter is compiled with them (the kernel cannot replace it later).
 */
export interface Listener {
  /** The calls, by kernel name (one or several); or `class` for every call of a class of the tables. */
  readonly syscall?: string | readonly string[];
  readonly class?: SyscallClass;
  /** Only this ABI's calls (x86_64, i386); default every ABI of the emulation. */
  readonly abi?: string;
  /** Tests on scalar arguments, decided in the kernel: only matching calls reach the handler. */
  readonly when?: readonly ArgTest[];
  /**
   * The handler decides on scalar arguments alone: no memory is copied and `allow` lets the kernel run
   * the call (race-free: the registers cannot change under it). Without it, `allow` is honoured only
   * for calls with no pointer argument (otherwise it is refused: EPERM, counted, audited).
   */
  readonly scalarsOnly?: boolean;
  /** How long the handler may take, in milliseconds (default 1000); after that the call fails with EPERM. */
  readonly timeoutMs?: number;
  /** Why, for audit records. */
  readonly reason?: string;
  handle(call: ListenedCall): ListenerAnswer | Promise<ListenerAnswer>;
}

/** One argument of a listened call: the register, and the supervisor's copy of what it points to. */
export interface ListenedArg {
  readonly kind: ArgKind;
  /** The register as the kernel saw it at the call (seccomp_data). */
  readonly value: bigint;
  /** path/str arguments: the string, copied once (UTF-8; bytes that are not are replaced). */
  readonly string?: string;
  /** A socket address argument (bind, connect, sendto): its bytes, copied once, and decoded. */
  readonly sockaddr?: ListenedSockaddr;
}

export type ListenedSockaddr =
  | { readonly family: number; readonly address: string; readonly port: number }
  | { readonly family: number; readonly path: string }
  | { readonly family: number; readonly raw: Uint8Array };

/** The call as a listener receives it: a private copy, never the caller's memory. */
export interface ListenedCall {
  readonly jid: number;
  /** The calling thread, as the host sees it. */
  readonly pid: number;
  readonly abi: string;
  readonly syscall: string;
  /** By position, as the emulation's table describes them. */
  readonly args: readonly ListenedArg[];
  /**
   * The same arguments by the kernel's parameter names (`pathname`, `mode`), where the emulation's table
   * names them (`argNames`); empty otherwise.
   */
  readonly argsByName: Readonly<Record<string, ListenedArg>>;
}

/**
 * What a listener answers: `deny(errno)`, `emulate(value)` (the call returns value; the handler did
 * what the call does, on its copy, or nothing) or `allow` (the jail's policy decides, as without the
 * listener; honoured as said at `scalarsOnly`).
 */
export type ListenerAnswer =
  | { readonly action: 'allow' }
  | { readonly action: 'errno'; readonly errno: string }
  | { readonly action: 'emulate'; readonly value: number | bigint };

export function emulate(value: number | bigint): ListenerAnswer {
  return { action: 'emulate', value };
}

/** The notify handler name of the i-th listener of a jail (in the compiled filter's notify table). */
export function listenerHandlerName(i: number): string {
  return `listener:${i}`;
}

export function listenerIndex(handler: string): number | undefined {
  const m = /^listener:([0-9]+)$/.exec(handler);
  return m ? Number(m[1]) : undefined;
}

/** Calls whose decision the supervisor takes from the jail's current policy (changeable flags). */
export const POLICY_ROUTE = 'policy';

/** Socket address arguments: syscall → [pointer argument, length argument]. */
export const sockaddrArgs: Readonly<Record<string, readonly [number, number]>> = {
  bind: [1, 2],
  connect: [1, 2],
  sendto: [4, 5],
};
