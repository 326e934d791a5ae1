import type { Emulation, JailRecord, Prison, Registry } from '@sysjail/core';
import { EngineUnavailableError } from './errors.js';

/** How a jailed command ended. */
export interface JailExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** core: 'exited', 'shutdown' (reboot(2) inside), 'stopped', 'supervisor'. */
  readonly reason?: string;
}

/**
 * What core's `startJail(options)` takes, declared here so the cli builds without it (core's own
 * `JailOptions` is the reference; this is the part the cli uses).
 */
export interface StartJailOptions {
  readonly prison: Prison;
  readonly command: readonly string[];
  readonly emulation: Emulation;
  /** The command's uid and gid, resolved by the cli in the jail's /etc/passwd. */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** [stdin, stdout, stderr] of the command; /dev/null for -b. */
  readonly stdio?: readonly [number, number, number];
  /** Where the jail is recorded (JID, jls). */
  readonly registry?: Registry;
  readonly name?: string;
  readonly background?: boolean;
  /** A program loader (an emulation's `loader`) and whether the command runs under it. */
  readonly loader?: string;
  readonly underLoader?: boolean;
  /** rctl limits of this jail (sysjail --memory, --maxproc, --pcpu). */
  readonly limits?: readonly {
    readonly resource: string;
    readonly action: string;
    readonly amount: number;
  }[];
}

/** A started jail, as core's `startJail` returns it. */
export interface RunningJail {
  readonly jid: number;
  readonly initPid: number;
  readonly exited: Promise<JailExit>;
  stop(): Promise<unknown>;
  /** The supervisor's counts, when the engine keeps them. */
  counters?(): { readonly denied: number; readonly emulated: number };
}

/** What jexec asks of core's `execInJail` (optional: until core has it, jexec says so). */
export interface ExecInJailOptions {
  readonly record: JailRecord;
  readonly command: readonly string[];
  readonly user?: string;
  /** -U: look the user up in the jail's /etc/passwd (jexec -u looks it up on the host). */
  readonly userInJail?: boolean;
  /** -l: a clean environment, as for a login. */
  readonly cleanEnvironment?: boolean;
  /** Run the command under the jail's program loader (a FreeBSD program). */
  readonly underLoader?: boolean;
}

export interface JailEngine {
  startJail(options: StartJailOptions): Promise<RunningJail>;
  /** Starts the launcher worker and supervisor thread early (while the cli still reads its input). */
  prewarm?(size?: number, options?: { refill?: boolean }): void;
  execInJail?(
    options: ExecInJailOptions,
  ): Promise<{ readonly pid: number; readonly exited: Promise<JailExit> }>;
}

/** core's engine, if this build has one; EngineUnavailableError otherwise. */
export async function loadEngine(): Promise<JailEngine> {
  const core = (await import('@sysjail/core')) as Record<string, unknown>;
  if (typeof core.startJail !== 'function') throw new EngineUnavailableError();
  return core as unknown as JailEngine;
}

/**
 * The emulations the cli knows, native first (the cli keeps the list; core names none). Loaded lazily
 * so that a build without them still parses and validates.
 */
export async function loadEmulations(): Promise<Emulation[]> {
  const list: Emulation[] = [];
  for (const [pkg, name] of [
    ['@sysjail/emul-linux', 'linux'],
    ['@sysjail/emul-freebsd', 'freebsd'],
  ] as const) {
    try {
      const mod = (await import(pkg)) as Record<string, unknown>;
      if (mod[name]) list.push(mod[name] as Emulation);
    } catch {}
  }
  return list;
}

/** The command's exit code; 128 + the signal number if a signal killed it (as sh(1)); 0 for a shutdown. */
export function exitStatusOfJail(exit: JailExit, signals: Readonly<Record<string, number>>): number {
  // core ends a jail shut down by reboot(2) inside with SIGKILL to its init: that is not a failure.
  if (exit.reason === 'shutdown') return 0;
  if (exit.code !== null) return exit.code;
  if (exit.signal === null) return 0;
  return 128 + (signals[exit.signal] ?? 0);
}
