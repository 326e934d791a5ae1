// The engine of this process: the launcher's worker pool, the one supervisor thread, and the jails
// running here (which the supervisor's messages are routed to).
import { readFileSync } from 'node:fs';
import { relaysSettled, SpawnerPool } from '@sysjail/systrace-bindings';
import { hostControllerLayout } from '../limits/jail-limits.js';
import { removeStaleLimitCgroups } from '../limits/limit-cgroups.js';
import { JailCgroup } from '../net/jail-cgroup.js';
import type { AuditRecord, FromSupervisor } from '../supervisor/protocol.js';
import { Supervisor } from '../supervisor/supervisor.js';
import type { JailExit } from './running-jail.js';

/** What the engine needs of a running jail. */
export interface EngineJail {
  onSupervisor(msg: FromSupervisor): void;
  onAudit(record: AuditRecord): void;
  kill(reason: JailExit['reason']): void;
  /** The supervisor thread is gone: reap a released init on this thread. */
  reapWithoutSupervisor(): void;
}

let pool: SpawnerPool | undefined;
let supervisor: Supervisor | undefined;
let localJid = 0;
const running = new Map<number, EngineJail>();

/**
 * Prewarms the launcher (idle workers) and the supervisor thread, so that jail starts are fast.
 * A process that starts one jail (the jail command) asks for one worker and no refill.
 */
export function prewarm(size = 2, options: { refill?: boolean } = {}): void {
  if (!pool) removeStaleCgroups();
  pool ??= new SpawnerPool({ size, refill: options.refill ?? true });
  supervisor ??= startSupervisor();
}

/**
 * Resolves once the prewarmed launcher workers are ready and no stdio relay thread runs: nothing of the
 * engine is still starting or ending.
 */
export async function settled(): Promise<void> {
  await pool?.settled();
  await relaysSettled();
}

/** The launcher pool and the supervisor thread, started if need be. */
export function engine(): { pool: SpawnerPool; supervisor: Supervisor } {
  prewarm();
  return { pool: pool as SpawnerPool, supervisor: supervisor as Supervisor };
}

/** The supervisor thread, unless it is gone. */
export function liveSupervisor(): Supervisor | undefined {
  return supervisor;
}

/** A JID for a jail recorded in no registry: local to this process. */
export function nextLocalJid(): number {
  return ++localJid;
}

/** Routes the supervisor's messages about `jid` to the jail. */
export function track(jid: number, jail: EngineJail): void {
  running.set(jid, jail);
}

/** Forgets a jail; with none left, the supervisor no longer keeps the process alive. */
export function untrack(jid: number): void {
  running.delete(jid);
  if (running.size === 0) supervisor?.unref();
}

const CGROUP_NAME = /^jail-([0-9]+)-[0-9]+$/;

/**
 * The cgroups of jails whose supervisor was killed (SIGKILL leaves no time to clean up): empty, named
 * after a supervisor pid that no longer runs. Their programs go with them.
 */
function removeStaleCgroups(): void {
  const isStale = (name: string) => {
    const pid = Number(CGROUP_NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid) return false;
    try {
      // A supervisor that was killed may still be a zombie: as dead as gone.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    } catch {
      return true;
    }
  };
  try {
    JailCgroup.cleanupStale('jail-', {}, isStale);
  } catch {}
  try {
    removeStaleLimitCgroups(hostControllerLayout(), isStale); // the v1 controller cgroups of rctl limits
  } catch {}
}

function startSupervisor(): Supervisor {
  const s = new Supervisor();
  s.on('message', (msg: FromSupervisor) => {
    if ('jid' in msg) running.get(msg.jid)?.onSupervisor(msg);
    else if (msg.type === 'audit') running.get(msg.record.jid)?.onAudit(msg.record);
  });
  s.on('exit', () => {
    // Without its supervisor a jail must not run: mediated calls already fail (ENOSYS); end the jails.
    // The next start gets a new supervisor thread.
    if (supervisor === s) supervisor = undefined;
    for (const jail of running.values()) {
      jail.kill('supervisor');
      jail.reapWithoutSupervisor();
    }
  });
  return s;
}
