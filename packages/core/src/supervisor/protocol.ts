import type { EventEmitter } from 'node:events';
import type { NotifyEntry } from '../filter/compile.js';
import type { ListenedCall, ListenerAnswer } from '../listen/listener.js';
import type { Prison, PrisonFlags } from '../prison.js';
import type { ArgKind } from '../syscall-table.js';
import type { EmulationHandlers } from './handler-context.js';

/**
 * Counters of one jail, shared with the supervisor thread (Int32Array over a SharedArrayBuffer): the
 * totals, then two per notify entry of the jail's filter (denied, emulated): `entryCounter`.
 */
export const COUNTER = { notified: 0, denied: 1, emulated: 2, allowed: 3, listenerFailures: 4 } as const;
export const COUNTER_SLOTS = 5;

export function entryCounter(index: number, what: 'denied' | 'emulated'): number {
  return COUNTER_SLOTS + 2 * index + (what === 'denied' ? 0 : 1);
}

/** The decision program of a jail: its policy for the current flags, without listeners. */
export interface DecisionProgram {
  readonly program: Uint8Array;
  readonly notifyTable: readonly NotifyEntry[];
}

/** Everything the supervisor thread needs to serve one jail. */
export interface SupervisedJailSpec {
  readonly jid: number;
  readonly listenerFd: number;
  /** The jail's init: pid on the host and a pidfd for it. */
  readonly initPid: number;
  readonly initPidfd: number;
  /** Control channel to the init (SOCK_SEQPACKET). */
  readonly controlFd: number;
  /** The prison handlers see (its addresses, host name and flags). */
  readonly prison: Prison;
  /** The emulation's handler module, loaded by the supervisor thread before it serves the jail. */
  readonly handlers?: EmulationHandlers;
  /** The program the kernel runs (encoded sock_filter[]), interpreted for calls with several notify entries. */
  readonly program: Uint8Array;
  readonly notifyTable: readonly NotifyEntry[];
  /** auditArch → nr → indexes into notifyTable. */
  readonly notifyByCall: ReadonlyArray<[number, ReadonlyArray<[number, readonly number[]]>]>;
  /** auditArch → syscall name → number, from the emulation's tables (handlers evaluate calls by name). */
  readonly numbers: ReadonlyArray<[number, Readonly<Record<string, number>>]>;
  /** auditArch → the ABI's name and word size, from the emulation's tables. */
  readonly abis: ReadonlyArray<[number, { readonly name: string; readonly bits: 32 | 64 }]>;
  /** errno name → number of the jail's emulation. */
  readonly errno: Readonly<Record<string, number>>;
  /** cgroup.procs of the jail's cgroup: the host pids of its processes. */
  readonly cgroupProcs: string;
  readonly counters: SharedArrayBuffer;
  /** What listeners' `allow` and the routed calls (notify 'policy') are decided by. */
  readonly decision: DecisionProgram;
  /** The jail's listeners (listener:i), as the thread needs them. */
  readonly listeners: readonly { readonly timeoutMs: number; readonly scalarsOnly: boolean }[];
  /** [ABI name, syscall, argument kinds, argument names (or none)] of the listened calls. */
  readonly argKinds: ReadonlyArray<readonly [string, string, readonly ArgKind[], readonly string[]]>;
}

/** What the launch makes for a jail: its init and the two fds the supervisor serves. */
export type LaunchedFds = Pick<SupervisedJailSpec, 'listenerFd' | 'initPid' | 'initPidfd' | 'controlFd'>;

/** A jail's spec before its init exists ('prepare'): everything but what the launch makes. */
export type PreparedJailSpec = Omit<SupervisedJailSpec, keyof LaunchedFds>;

/** The parts of a prepared jail that jails of one filter and emulation share (see 'prepare'). */
export type SharedJailParts = Pick<
  PreparedJailSpec,
  | 'handlers'
  | 'program'
  | 'notifyTable'
  | 'notifyByCall'
  | 'numbers'
  | 'abis'
  | 'errno'
  | 'decision'
  | 'argKinds'
>;

/** A prepared jail's own parts, when its shared ones are named by id. */
export type OwnJailParts = Omit<PreparedJailSpec, keyof SharedJailParts>;

/**
 * Which thread may serve a jail's notifications or read its init channel now (the first Int32 of a
 * SharedArrayBuffer every supervisor thread sees; the second counts the releases): 0 nobody, else the
 * serving thread's CLAIM bit, plus CLAIM.waiting when the first thread could not take it and wants a
 * wake-up once it is free.
 */
export const CLAIM = { first: 1, second: 2, waiting: 4 } as const;

export type ToSupervisor =
  /** Serve a jail (after loading its emulation's handler module); answered by 'done'. */
  | {
      readonly type: 'add';
      readonly request: number;
      readonly jail: SupervisedJailSpec;
      /** The jail's claim, shared by the threads (see CLAIM). */
      readonly claim: SharedArrayBuffer;
    }
  /**
   * The first half of an 'add', sent before the launch so that the thread's part overlaps it: load the
   * emulation's handler module and make what the jail needs (its UNIX-socket namespace); answered by
   * 'done'. Nothing is served until 'attach'.
   */
  | {
      readonly type: 'prepare';
      readonly request: number;
      /** The whole spec, or (with `shared`) the jail's own parts. */
      readonly jail: PreparedJailSpec | OwnJailParts;
      readonly claim: SharedArrayBuffer;
      /**
       * The shared parts by id (a worker thread keeps them: they are copied to it once, not with every
       * jail): `parts` the first time, then the id alone until a 'remove' drops it.
       */
      readonly shared?: { readonly id: number; readonly parts?: SharedJailParts };
    }
  /** The second half: serve the prepared jail with what the launch made; answered by 'done'. */
  | ({ readonly type: 'attach'; readonly request: number; readonly jid: number } & LaunchedFds)
  /**
   * Forget a jail, prepared or served (after reading what its init still had to say); `dropShared`: the
   * shared parts no jail uses any more.
   */
  | { readonly type: 'remove'; readonly jid: number; readonly request: number; readonly dropShared?: number }
  /** The second thread: stop serving a jail (before the first one removes it and closes its fds). */
  | { readonly type: 'forget'; readonly jid: number; readonly request: number }
  /** The second thread: answer this flooding jail's notifications (until it calms down). */
  | { readonly type: 'serve'; readonly jid: number }
  /**
   * Let the command run (init's 'G'); `terminal`: the command's terminal for the stdio in the
   * `onTerminal` mask (bit i: fd i), closed by the thread once sent; `onNull`: the stdio that init opens
   * on the jail's own /dev/null.
   */
  | {
      readonly type: 'go';
      readonly jid: number;
      readonly terminal?: number;
      readonly onTerminal?: number;
      readonly onNull?: number;
    }
  /** Send a signal to every process of the jail but its init (the init's 'K' with pid 0). */
  | { readonly type: 'signal'; readonly jid: number; readonly signal: number }
  /** Run argv in the jail (init's 'E'); fds: its stdin, stdout, stderr, closed by the thread once sent. */
  | {
      readonly type: 'exec';
      readonly jid: number;
      readonly tag: number;
      readonly argv: readonly string[];
      /** KEY=VALUE strings; absent: the environment the jail was started with. */
      readonly env?: readonly string[];
      /** Working directory inside the jail; absent: /. */
      readonly cwd?: string;
      /** Run under the jail's program loader. */
      readonly underLoader?: boolean;
      /**
       * Filters (sock_filter[]) the command's process stacks before exec, in order: the jail's
       * tightened rules, then a sub-policy's.
       */
      readonly filters?: readonly Uint8Array[];
      readonly uid: number;
      readonly gid: number;
      readonly fds?: readonly [number, number, number];
    }
  /** The init is this process's child: this thread reaps it (waitid on its pidfd) and reports 'reaped'. */
  | { readonly type: 'released'; readonly jid: number }
  /** A running jail's change (jail.change): its addresses for the handlers, its host name. */
  | {
      readonly type: 'change';
      readonly jid: number;
      readonly request: number;
      readonly hostname?: string;
      readonly ipv4?: readonly string[];
      readonly ipv6?: readonly string[];
    }
  /** A listener's answer to the call `ticket` (late answers are dropped). */
  | {
      readonly type: 'answer';
      readonly jid: number;
      readonly ticket: number;
      readonly answer: ListenerAnswer;
      /** The handler threw or answered nonsense: the call is denied (EPERM), counted as a failure. */
      readonly failure?: string;
    }
  /** The jail's flags changed: routed calls are now decided by this program. */
  | {
      readonly type: 'policy';
      readonly jid: number;
      readonly request: number;
      readonly decision: DecisionProgram;
      readonly flags: PrisonFlags;
    }
  | { readonly type: 'stop' };

/** One decision the supervisor made: what sjls counts and audit listeners receive. */
export interface AuditRecord {
  readonly jid: number;
  readonly time: number;
  readonly pid: number;
  readonly arch: string;
  readonly syscall: string;
  readonly action: 'denied' | 'emulated' | 'allowed' | 'shutdown';
  readonly errno?: string;
  readonly reason: string;
}

export type FromSupervisor =
  | { readonly type: 'ready' }
  | { readonly type: 'audit'; readonly record: AuditRecord }
  /** A child of the jail's init ended (tag 0: the jail's command). */
  | {
      readonly type: 'exit';
      readonly jid: number;
      readonly tag: number;
      readonly pid: number;
      readonly status: number;
    }
  | {
      readonly type: 'spawned';
      readonly jid: number;
      readonly tag: number;
      readonly pid: number;
      readonly errno: number;
    }
  /** Every filtered task of the jail is gone. */
  | { readonly type: 'hangup'; readonly jid: number }
  | { readonly type: 'done'; readonly request: number; readonly error?: string }
  /**
   * The init exited and was reaped. `retired`: a worker's first thread forgot the jail with it (its
   * fds are the main thread's to close, at its 'remove').
   */
  | {
      readonly type: 'reaped';
      readonly jid: number;
      readonly code: number | null;
      readonly signal: number | null;
      readonly retired?: true;
    }
  | { readonly type: 'shutdown'; readonly jid: number; readonly reason: string }
  /** A call for listener `listener` of the jail; answer with 'answer' and the same ticket. */
  | {
      readonly type: 'listen';
      readonly jid: number;
      readonly ticket: number;
      readonly listener: number;
      readonly call: ListenedCall;
    }
  /** The first thread: this jail's calls queue up; the main thread hands it to the second. */
  | { readonly type: 'flooding'; readonly jid: number }
  | { readonly type: 'error'; readonly jid: number; readonly message: string };

/**
 * The 'done' of request `request`, from a supervisor's 'message' events; rejected with `gone` if it
 * emits 'exit' first.
 */
export function doneOf(supervisor: EventEmitter, request: number, gone: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = () => {
      supervisor.off('message', onMessage);
      supervisor.off('exit', onExit);
    };
    const onMessage = (msg: FromSupervisor) => {
      if (msg.type !== 'done' || msg.request !== request) return;
      settle();
      if (msg.error) reject(new Error(msg.error));
      else resolve();
    };
    const onExit = () => {
      settle();
      reject(new Error(gone));
    };
    supervisor.on('message', onMessage);
    supervisor.on('exit', onExit);
  });
}
