import type { Emulation, JailRecord, Prison } from '@sysjail/core';
import { EngineUnavailableError } from './errors.js';

/** How a jailed command ended. */
export interface JailExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** What core's `startJail(options)` takes (declared here until core exports it). */
export interface StartJailOptions {
  readonly prison: Prison;
  readonly command: readonly string[];
  readonly emulation: Emulation;
  readonly user?: string;
  readonly name?: string;
  readonly background?: boolean;
}

/** A started jail, as core's `startJail` returns it. */
export interface RunningJail {
  readonly jid: number;
  readonly initPid: number;
  readonly exited: Promise<JailExit>;
  stop(): Promise<void>;
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
}

export interface JailEngine {
  startJail(options: StartJailOptions): Promise<RunningJail>;
  execInJail?(options: ExecInJailOptions): Promise<{ readonly pid: number; readonly exited: Promise<JailExit> }>;
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
  for (const [pkg, name] of [['@sysjail/emul-linux', 'linux']] as const) {
    try {
      const mod = (await import(pkg)) as Record<string, unknown>;
      if (mod[name]) list.push(mod[name] as Emulation);
    } catch {}
  }
  return list;
}

/** 128 + signal number for a command killed by a signal, as sh(1) reports it. */
export function exitStatusOfJail(exit: JailExit, signals: Record<string, number>): number {
  if (exit.code !== null) return exit.code;
  const n = exit.signal === null ? undefined : signals[exit.signal];
  return 128 + (n ?? 0);
}
