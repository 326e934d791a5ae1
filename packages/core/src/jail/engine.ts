// The engine of this process: the supervisors (the worker threads', and this thread's event loop's), and
// the jails running here (which the supervisors' messages are routed to). Jails are launched from the
// calling thread (start-jail.ts).
import { readProcStat, relaysSettled } from '@sysjail/systrace-bindings';
import { hostControllerLayout } from '../limits/jail-limits.js';
import { removeStaleLimitCgroups } from '../limits/limit-cgroups.js';
import { JailCgroup } from '../net/jail-cgroup.js';
import { keepAddressHooksOn } from '../net/warm-cgroup.js';
import { InThreadSupervisor } from '../supervisor/in-thread-supervisor.js';
import type { AuditRecord, FromSupervisor } from '../supervisor/protocol.js';
import { type SupervisionMode, type Supervisor, WorkerSupervisor } from '../supervisor/supervisor.js';
import type { JailExit } from './running-jail.js';

/** What the engine needs of a running jail. */
export interface EngineJail {
  onSupervisor(msg: FromSupervisor): void;
  onAudit(record: AuditRecord): void;
  kill(reason: JailExit['reason']): void;
  /** The supervisor thread is gone: reap the init on this thread. */
  reapWithoutSupervisor(): void;
}

let supervisor: WorkerSupervisor | undefined;
let inThread: InThreadSupervisor | undefined;
let cleaned = false;
let localJid = 0;
const running = new Map<number, EngineJail>();
/** The supervisor serving each running jail. */
const servedBy = new Map<number, Supervisor>();

/**
 * How a jail is supervised: SYSJAIL_SUPERVISION (worker or thread) when set (to run anything in the other
 * mode), else as asked, else by worker threads. A service is always served by worker threads.
 */
export function supervisionMode(
  asked: SupervisionMode | undefined,
  service = false,
  env: NodeJS.ProcessEnv = process.env,
): SupervisionMode {
  if (service) return 'worker';
  const forced = env.SYSJAIL_SUPERVISION;
  if (forced === 'worker' || forced === 'thread') return forced;
  return asked ?? 'worker';
}

/**
 * Prewarms, for supervision 'worker' (the default), the supervisor threads, so that jail starts are fast,
 * and keeps an empty cgroup of the process's own while it lives, <cgroup2>/sysjail/warm-<pid> (see
 * keepAddressHooksOn). A process that starts one jail (the jail command) asks for supervision 'thread'
 * (no supervisor worker at all).
 */
export function prewarm(options: { supervision?: SupervisionMode } = {}): void {
  if (supervisionMode(options.supervision) === 'worker') {
    cleanStaleCgroups();
    supervisor ??= startSupervisor(new WorkerSupervisor());
    keepAddressHooksOn();
  }
}

/** The stale cgroups are removed once per process: with the worker threads, or after a first start. */
function cleanStaleCgroups(): void {
  if (!cleaned) removeStaleCgroups();
  cleaned = true;
}

/** Resolves once no stdio relay thread runs: nothing of the engine is still starting or ending. */
export async function settled(): Promise<void> {
  await relaysSettled();
}

/** The supervisor of `mode`, started if need be. */
export function engine(mode: SupervisionMode = 'worker'): { supervisor: Supervisor } {
  prewarm({ supervision: mode });
  if (mode === 'thread') {
    inThread ??= startSupervisor(new InThreadSupervisor());
    return { supervisor: inThread };
  }
  supervisor ??= startSupervisor(new WorkerSupervisor());
  return { supervisor };
}

/** The supervisor serving jail `jid`, unless it is gone. */
export function liveSupervisor(jid: number): Supervisor | undefined {
  const s = servedBy.get(jid);
  return s && !s.gone ? s : undefined;
}

/** A JID for a jail recorded in no registry: local to this process. */
export function nextLocalJid(): number {
  return ++localJid;
}

/** Routes the messages of `sup` about `jid` to the jail. */
export function track(jid: number, jail: EngineJail, sup: Supervisor): void {
  running.set(jid, jail);
  servedBy.set(jid, sup);
}

/** Forgets a jail; with none left, the supervisors no longer keep the process alive. */
export function untrack(jid: number): void {
  running.delete(jid);
  servedBy.delete(jid);
  unrefIfIdle();
}

let starting = 0;

/** A start in progress keeps the process alive (it waits for the supervisor's answers). */
export function beginStart(sup: Supervisor): void {
  starting++;
  sup.ref();
}

/**
 * The start is over, either way: with no jail running or starting, the supervisors let the process go.
 * A process without supervisor threads (the jail command) removes the stale cgroups now, in the next
 * turn of its loop, while its jail's command starts (2 ms off the start; it makes no name a start uses).
 */
export function endStart(): void {
  starting--;
  unrefIfIdle();
  if (!cleaned) setImmediate(cleanStaleCgroups);
}

function unrefIfIdle(): void {
  if (running.size > 0 || starting > 0) return;
  supervisor?.unref();
  inThread?.unref();
}

/** A jail's cgroup (jail-<supervisor pid>-<jid>) or a process's warm one (warm-<pid>). */
const CGROUP_NAME = /^(?:jail-([0-9]+)-[0-9]+|warm-([0-9]+))$/;

/**
 * The cgroups of jails whose supervisor was killed (SIGKILL leaves no time to clean up), and the warm
 * cgroups of killed processes (see keepAddressHooksOn): empty, named after a pid that no longer runs.
 * Their programs go with them.
 */
function removeStaleCgroups(): void {
  const isStale = (name: string) => {
    const m = CGROUP_NAME.exec(name);
    const pid = Number(m?.[1] ?? m?.[2]);
    if (!pid || pid === process.pid) return false;
    // A supervisor that was killed may still be a zombie: as dead as gone.
    const state = readProcStat(pid)?.state;
    return state === undefined || state === 'Z';
  };
  for (const prefix of ['jail-', 'warm-']) {
    try {
      JailCgroup.cleanupStale(prefix, {}, isStale);
    } catch {}
  }
  try {
    removeStaleLimitCgroups(hostControllerLayout(), isStale); // the v1 controller cgroups of rctl limits
  } catch {}
}

function startSupervisor<S extends Supervisor>(s: S): S {
  const mine = (jid: number) => (servedBy.get(jid) === s ? running.get(jid) : undefined);
  s.on('message', (msg: FromSupervisor) => {
    if ('jid' in msg) mine(msg.jid)?.onSupervisor(msg);
    else if (msg.type === 'audit') mine(msg.record.jid)?.onAudit(msg.record);
  });
  s.on('exit', () => {
    // Without its supervisor a jail must not run: mediated calls already fail (ENOSYS); end the jails
    // it served. The next start gets a new supervisor.
    if ((supervisor as Supervisor | undefined) === s) supervisor = undefined;
    if ((inThread as Supervisor | undefined) === s) inThread = undefined;
    for (const [jid, jail] of running) {
      if (servedBy.get(jid) !== s) continue;
      jail.kill('supervisor');
      jail.reapWithoutSupervisor();
    }
  });
  return s;
}
