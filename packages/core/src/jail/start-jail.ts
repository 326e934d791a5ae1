import { EventEmitter } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  AF_UNIX,
  close,
  P_PIDFD,
  pidfdOpen,
  pidfdSendSignal,
  SetupOpError,
  SIGKILL,
  SOCK_CLOEXEC,
  SOCK_SEQPACKET,
  SpawnerPool,
  socketpair,
  WEXITED,
  WNOHANG,
  waitid,
} from '@sysjail/systrace-bindings';
import type { Emulation } from '../emulation.js';
import { JailSetupError, NoEmulationError, PrisonConfigError } from '../errors.js';
import { encodeFilter } from '../filter/assemble.js';
import { type CompiledFilter, compileFilter } from '../filter/compile.js';
import { type JexecServer, type JexecServerOptions, startJexecServer } from '../jexec/jexec-server.js';
import { jexecSocketPath } from '../jexec/socket-path.js';
import { watchCputime } from '../limits/cputime-watch.js';
import {
  type AppliedLimits,
  applyLimits,
  hostControllerLayout,
  type JailLimit,
  ownRules,
  releaseLimits,
  rulesForJail,
} from '../limits/jail-limits.js';
import { removeLimitCgroups, removeStaleLimitCgroups } from '../limits/limit-cgroups.js';
import type { RctlRule } from '../limits/rctl-rule.js';
import { confineAddresses } from '../net/confine-addresses.js';
import { addJailAliases, checkHostAddresses, checkInterfaceAlias } from '../net/interface-aliases.js';
import { JailCgroup } from '../net/jail-cgroup.js';
import type { Prison } from '../prison.js';
import { processStartTime } from '../registry/process-start-time.js';
import type { Registry } from '../registry/registry.js';
import { type AuditRecord, COUNTER, COUNTER_SLOTS, type FromSupervisor } from '../supervisor/protocol.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { initMemfd, sealedExecutable } from './init-binary.js';
import { checkJailMount } from './jail-mounts.js';
import { releaseLauncher } from './launcher-handover.js';
import { jailSetupOps } from './setup-ops.js';

export interface JailOptions {
  readonly prison: Prison;
  /** argv of the jailed command; argv[0] is looked up in the jail's PATH. */
  readonly command: readonly string[];
  readonly emulation: Emulation;
  /** Run the command as this uid/gid inside (looked up by the caller in the jail's /etc/passwd). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** Environment of the command (default: this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** [stdin, stdout, stderr] of the command (default 0, 1, 2). */
  readonly stdio?: readonly [number, number, number];
  /** Route denials through the supervisor so they are counted and audited (default true). */
  readonly auditDenials?: boolean;
  /** Record the jail in this registry (JID, jls); without one the JID is local to this process. */
  readonly registry?: Registry;
  /**
   * Let the launcher thread go once the jail runs (default false): the init's parent becomes this
   * process's main thread and its parent-death signal is set again there, so a process that hosts many
   * jails keeps one thread, not one per jail (see launcher-handover.ts).
   */
  readonly releaseLauncher?: boolean;
  /**
   * A program loader for the jail (an emulation's `loader`: a static executable of this emulation's ABI
   * that runs programs the kernel cannot). The init keeps it in a sealed memfd; commands marked for it
   * run as `loader argv[0] argv...`, under this jail's filter like any program.
   */
  readonly loader?: string;
  /** Run the command under `loader`. */
  readonly underLoader?: boolean;
  /**
   * Resource limits of this jail (sysjail --memory ...), in force with the rctl rules naming it (rctl -a,
   * /etc/rctl.conf); the strictest rule per resource wins.
   */
  readonly limits?: readonly JailLimit[];
}

export interface JailExit {
  /** Exit code of the command, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: string | null;
  /** 'exited': the command ended; 'shutdown': reboot(2) inside; 'stopped': stop() was called. */
  readonly reason: 'exited' | 'shutdown' | 'stopped' | 'supervisor';
}

export interface JailCounters {
  readonly notified: number;
  readonly denied: number;
  readonly emulated: number;
}

/** A running jail. Events: 'audit' (AuditRecord). */
export interface Jail extends EventEmitter {
  readonly jid: number;
  readonly prison: Prison;
  /** The jail's init (PID 1 inside) as the host sees it. */
  readonly initPid: number;
  readonly exited: Promise<JailExit>;
  readonly audit: readonly AuditRecord[];
  counters(): JailCounters;
  /** Sends `signal` (a number) to every process of the jail but its init, as kill(-1) inside would. */
  signal(signal: number): Promise<void>;
  /** Ends every process of the jail. */
  stop(): Promise<JailExit>;
}

let pool: SpawnerPool | undefined;
let supervisor: Supervisor | undefined;
let localJid = 0;
const running = new Map<number, RunningJail>();
const filters = new Map<string, { compiled: CompiledFilter; program: Uint8Array }>();

/**
 * Prewarms the launcher (idle workers) and the supervisor thread, so that jail starts are fast.
 * A process that starts one jail (the jail command) asks for one worker and no refill.
 */
export function prewarm(size = 2, options: { refill?: boolean } = {}): void {
  if (!pool) removeStaleCgroups();
  pool ??= new SpawnerPool({ size, refill: options.refill ?? true });
  supervisor ??= startSupervisor();
}

/** Resolves once the prewarmed launcher workers are all ready: nothing of the engine is still starting. */
export async function settled(): Promise<void> {
  await pool?.settled();
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

function filterFor(emulation: Emulation, prison: Prison, auditDenials: boolean) {
  const key = JSON.stringify([
    emulation.name,
    prison.ipv4.length > 0,
    prison.ipv6.length > 0,
    prison.flags,
    auditDenials,
  ]);
  let f = filters.get(key);
  if (!f) {
    const compiled = compileFilter(emulation, emulation.policy(prison), { auditDenials });
    f = { compiled, program: encodeFilter(compiled.ops) };
    filters.set(key, f);
  }
  return f;
}

function checkPrison(prison: Prison): void {
  if (!isAbsolute(prison.path)) throw new PrisonConfigError(`${prison.path}: not an absolute path`);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(prison.path);
  } catch {
    throw new PrisonConfigError(`${prison.path}: no such directory`);
  }
  if (!st.isDirectory()) throw new PrisonConfigError(`${prison.path}: not a directory`);
  if (prison.path === '/') throw new PrisonConfigError('/: the host root cannot be a jail root');
  try {
    if (!statSync(join(prison.path, 'proc')).isDirectory()) throw new Error();
  } catch {
    throw new PrisonConfigError(
      `${prison.path}/proc: missing (a jail root needs a proc directory; mkjail makes one)`,
    );
  }
  const addresses = [...prison.ipv4, ...prison.ipv6];
  for (const a of prison.aliases ?? []) {
    checkInterfaceAlias(a);
    if (!addresses.includes(a.address)) {
      throw new PrisonConfigError(
        `${a.interface}|${a.address}: the alias is not one of the jail's addresses`,
      );
    }
  }
  checkHostAddresses(addresses, prison.aliases);
  for (const m of prison.mounts ?? []) checkJailMount(m);
}

/** Host-side numbers the supervisor handlers need, per ABI. */
function handlerNumbers(emulation: Emulation): [number, Record<string, number>][] {
  return emulation.tables.map((t) => [
    t.arch.auditArch,
    Object.fromEntries(
      t.entries.filter((e) => e.name === 'socket' || e.name === 'listen').map((e) => [e.name, e.nr]),
    ),
  ]);
}

/** The shape of core's Emulation contract, checked for callers without types (plain JavaScript). */
function isEmulation(e: unknown): e is Emulation {
  const o = e as Partial<Emulation> | undefined;
  return typeof o === 'object' && o !== null && Array.isArray(o.tables) && typeof o.policy === 'function';
}

/**
 * Starts a jail: validates the prison, compiles the filter, makes the jail's cgroup with its address
 * programs, launches the init on a worker thread (namespaces, root, capabilities, no_new_privs, filter),
 * gives it its own /proc, moves it into the cgroup, hands its listener to the supervisor and only then
 * lets the command run. Any failure undoes everything: a jail never starts half-configured.
 */
export async function startJail(options: JailOptions): Promise<Jail> {
  const { prison, emulation } = options;
  if (!isEmulation(emulation)) throw new NoEmulationError();
  const phase = tracer();
  checkPrison(prison);
  if (options.command.length === 0) throw new PrisonConfigError('no command');
  prewarm();
  const sup = supervisor!;
  const filter = filterFor(emulation, prison, options.auditDenials ?? true);
  const setupOps = jailSetupOps(prison, filter.program);
  phase('filter');

  const cleanups: (() => void | Promise<void>)[] = [];
  const undo = async () => {
    for (const f of cleanups.reverse()) {
      try {
        await f();
      } catch {}
    }
  };
  try {
    // The launcher worker sets the jail up while this thread registers it and makes its cgroup: the
    // init waits for the supervisor's go, so nothing runs before both are done.
    const [control, controlChild] = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC);
    cleanups.push(() => close(control));
    const memfd = initMemfd();
    const stdio = options.stdio ?? [0, 1, 2];
    const userArgs = options.user ? ['-u', String(options.user.uid), '-g', String(options.user.gid)] : [];
    if (options.underLoader && !options.loader) throw new PrisonConfigError('underLoader without a loader');
    const loaderFd = options.loader
      ? sealedExecutable(options.loader, 'build its emulation package')
      : undefined;
    const loaderArgs = loaderFd === undefined ? [] : options.underLoader ? ['-L', '-l'] : ['-L'];
    const launching = pool!
      .spawn({
        setup: setupOps,
        command: `/proc/self/fd/${memfd}`,
        argv0: 'sysjail-init',
        args: [...userArgs, ...loaderArgs, '--', ...options.command],
        env: { ...(options.env ?? jailEnvironment()) },
        stdio: loaderFd === undefined ? [...stdio, controlChild] : [...stdio, controlChild, loaderFd],
      })
      .finally(() => close(controlChild));
    launching.catch(() => {});
    cleanups.push(async () => {
      const launched = await launching.catch(() => undefined);
      if (launched) process.kill(launched.pid, 'SIGKILL');
    });

    const record = options.registry?.allocate({
      name: prison.name,
      path: prison.path,
      hostname: prison.hostname,
      ipv4: prison.ipv4,
      ipv6: prison.ipv6,
      flags: prison.flags,
      emulation: emulation.name,
      supervisorPid: process.pid,
      command: options.command,
    });
    const jid = record?.jid ?? ++localJid;
    if (record) cleanups.push(() => options.registry?.remove(jid));
    phase('registry');

    const removeAliases = addJailAliases(prison.aliases ?? [], (aliases, netns) =>
      options.registry?.update(jid, { aliases, netns }),
    );
    cleanups.push(removeAliases);

    const cgroup = JailCgroup.create(`jail-${process.pid}-${jid}`);
    cleanups.push(() => cgroup.destroy());
    phase('cgroup');
    confineAddresses(cgroup, {
      ipv4: prison.ipv4,
      ipv6: prison.ipv6,
      allowRawSockets: prison.flags.allowRawSockets,
    });
    phase('address programs');

    const child = await launching;
    phase('launch');
    const initPid = child.pid;
    const initPidfd = pidfdOpen(initPid);
    cleanups.push(() => {
      pidfdSendSignal(initPidfd, SIGKILL);
      close(initPidfd);
    });
    if (child.listenerFd === undefined) throw new JailSetupError('the launcher returned no seccomp listener');
    const listenerFd = child.listenerFd;
    cleanups.push(() => close(listenerFd));

    // The supervisor thread mounts the jail's /proc while this thread waits for the cgroup migration.
    const procMounted = sup.request((request) => ({ type: 'mountProc', request, initPid }));
    procMounted.catch(() => {});
    cgroup.addProcess(initPid);
    await procMounted;
    phase('proc and cgroup');
    const own = ownRules({ jid, name: prison.name }, options.limits);
    const limitRules = rulesForJail(options.registry?.dir, { jid, name: prison.name }, own);
    let limits: AppliedLimits | undefined;
    if (limitRules.length > 0) {
      const applied = applyLimits(limitRules, cgroup.path, initPid);
      limits = applied;
      cleanups.push(() => removeLimitCgroups(applied.cgroups, cgroup.path));
      phase('limits');
    }
    const counters = new SharedArrayBuffer(4 * COUNTER_SLOTS);
    let reaped!: (exit: InitExit) => void;
    const initExited = new Promise<InitExit>((resolve, reject) => {
      reaped = resolve;
      child.exited.then(resolve, reject);
    });
    const jail = new RunningJail(
      jid,
      prison,
      initPid,
      initPidfd,
      cgroup,
      counters,
      initExited,
      reaped,
      options.registry,
      async () => {
        stopWatch();
        removeAliases();
        await releaseLimits(options.registry, jid, limits, cgroup.path);
      },
    );
    const recordFile = options.registry ? join(options.registry.dir, `${jid}.json`) : undefined;
    const stopWatch = watchCputime(
      cgroup.path,
      () =>
        recordFile
          ? ((JSON.parse(readFileSync(recordFile, 'utf8')) as { limits?: RctlRule[] }).limits ?? [])
          : (limits?.rules ?? []),
      (signal) => {
        for (const pid of cgroup.pids()) {
          try {
            process.kill(pid, signal);
          } catch {}
        }
      },
    );
    cleanups.push(stopWatch);
    running.set(jid, jail);
    cleanups.push(() => {
      running.delete(jid);
    });
    if (options.registry) {
      const socketPath = jexecSocketPath(options.registry.dir, jid);
      const exec = (m: Parameters<JexecServerOptions['exec']>[0]) => sup.send({ type: 'exec', jid, ...m });
      jail.jexec = await startJexecServer({
        jid,
        socketPath,
        jail,
        exec,
        cgroupProcs: join(cgroup.path, 'cgroup.procs'),
      });
      cleanups.push(() => jail.jexec?.close());
      if (jail.finished) await jail.jexec.close(); // the jail ended while its server was starting
    }
    phase('jail object');
    await sup.add({
      jid,
      listenerFd,
      initPid,
      initPidfd,
      controlFd: control,
      ipv4: prison.ipv4,
      ipv6: prison.ipv6,
      allowRlimit: prison.flags.allowRlimit,
      program: filter.program,
      notifyTable: filter.compiled.notifyTable,
      notifyByCall: [...filter.compiled.notifyByCall].map(([arch, m]) => [
        arch,
        [...m].map(([nr, es]) => [nr, es.map((e) => e.index)]),
      ]),
      numbers: handlerNumbers(emulation),
      archNames: emulation.tables.map((t) => [t.arch.auditArch, t.arch.name]),
      errno: emulation.errno,
      cgroupProcs: join(cgroup.path, 'cgroup.procs'),
      counters,
    });
    phase('supervisor add');
    // From here on the supervisor owns listenerFd, control and initPidfd.
    cleanups.length = 0;
    options.registry?.update(jid, {
      initPid,
      initStartTime: processStartTime(initPid),
      cgroupPath: cgroup.path,
      ...(own.length > 0 ? { jailRules: own } : {}),
      ...(limits ? { limits: limits.rules, limitCgroups: limits.cgroups } : {}),
    });
    sup.ref();
    await sup.send({ type: 'go', jid });
    phase('supervised');
    if (options.releaseLauncher) {
      jail.handover = releaseLauncher(sup, jail, child).catch((e: Error) => {
        jail.emit('supervisor', { type: 'error', jid, message: `launcher handover: ${e.message}` });
        jail.kill('supervisor');
      });
    }
    return jail;
  } catch (e) {
    await undo();
    if (e instanceof PrisonConfigError || e instanceof JailSetupError) throw e;
    const op = e instanceof SetupOpError ? setupOps[e.index] : undefined;
    if (op?.op === 'bindInRoot' || op?.op === 'tmpfsInRoot') {
      const why = (e as SetupOpError).errnoName ?? (e as Error).message;
      throw new PrisonConfigError(`cannot mount at ${op.target} (resolved inside the jail): ${why}`);
    }
    throw new JailSetupError(`cannot start the jail: ${(e as Error).message}`, { cause: e });
  }
}

/** SYSJAIL_TRACE=1 prints how long each start-up phase took, on stderr. */
function tracer(): (name: string) => void {
  if (!process.env.SYSJAIL_TRACE) return () => {};
  let last = performance.now();
  return (name) => {
    const now = performance.now();
    process.stderr.write(`sysjail: ${name} ${(now - last).toFixed(2)} ms\n`);
    last = now;
  };
}

/** The environment a jailed command gets by default: `from` (this process's) with the jail's PATH. */
export function jailEnvironment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined) env[k] = v;
  env.PATH = '/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin';
  return env;
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  31: 'SIGSYS',
};

type InitExit = { code: number | null; signal: string | null };

class RunningJail extends EventEmitter implements Jail {
  readonly exited: Promise<JailExit>;
  readonly audit: AuditRecord[] = [];
  private commandStatus: number | undefined;
  private reason: JailExit['reason'] = 'exited';
  private readonly counterView: Int32Array;
  /** The jail's jexec socket (jails with a registry). */
  jexec?: JexecServer;
  /** The launcher handover, when asked for (releaseLauncher). */
  handover?: Promise<unknown>;
  /** The launcher thread let the init go: this process reaps it. */
  released = false;

  constructor(
    readonly jid: number,
    readonly prison: Prison,
    readonly initPid: number,
    private readonly initPidfd: number,
    private readonly cgroup: JailCgroup,
    counters: SharedArrayBuffer,
    initExited: Promise<InitExit>,
    private readonly reaped: (exit: InitExit) => void,
    private readonly registry?: Registry,
    /** Undoes what the jail changed on the host (interface aliases), once it has ended. */
    private readonly releaseHost: () => void | Promise<void> = () => {},
  ) {
    super();
    this.counterView = new Int32Array(counters);
    this.exited = initExited.then(
      (init) => this.finish(init),
      () => this.finish({ code: null, signal: 'SIGKILL' }),
    );
  }

  /** Set once the jail has begun to end. */
  finished = false;

  private async finish(init: { code: number | null; signal: string | null }): Promise<JailExit> {
    this.finished = true;
    try {
      this.cgroup.kill();
    } catch {}
    try {
      await supervisor?.request((request) => ({ type: 'remove', jid: this.jid, request }));
    } catch {} // the thread is gone, and with it the jail's fds
    await this.jexec?.close();
    running.delete(this.jid);
    if (running.size === 0) supervisor?.unref();
    try {
      await this.cgroup.destroy();
    } catch {}
    try {
      await this.releaseHost();
    } catch {}
    this.registry?.remove(this.jid);
    const status = this.commandStatus;
    if (this.reason === 'exited' && status !== undefined) {
      const signal = status & 0x7f;
      if (signal === 0) return { code: (status >> 8) & 0xff, signal: null, reason: 'exited' };
      return { code: null, signal: SIGNALS[signal] ?? `SIG${signal}`, reason: 'exited' };
    }
    return { code: init.code, signal: init.signal, reason: this.reason };
  }

  onSupervisor(msg: FromSupervisor): void {
    if (msg.type === 'exit' && msg.tag === 0) this.commandStatus = msg.status;
    else if (msg.type === 'shutdown') this.reason = 'shutdown';
    else if (msg.type === 'reaped') {
      this.reaped({
        code: msg.code,
        signal: msg.signal === null ? null : (SIGNALS[msg.signal] ?? `SIG${msg.signal}`),
      });
    }
    this.emit('supervisor', msg);
  }

  onAudit(record: AuditRecord): void {
    if (this.audit.length < 10_000) this.audit.push(record);
    this.emit('audit', record);
  }

  counters(): JailCounters {
    return {
      notified: Atomics.load(this.counterView, COUNTER.notified),
      denied: Atomics.load(this.counterView, COUNTER.denied),
      emulated: Atomics.load(this.counterView, COUNTER.emulated),
    };
  }

  kill(reason: JailExit['reason']): void {
    if (this.reason === 'exited') this.reason = reason;
    try {
      pidfdSendSignal(this.initPidfd, SIGKILL);
    } catch {}
  }

  /** The supervisor thread is gone: reap a released init here (it was just killed). */
  reapWithoutSupervisor(): void {
    if (!this.released) return;
    const timer = setInterval(() => {
      try {
        const r = waitid(P_PIDFD, this.initPidfd, WEXITED | WNOHANG);
        if (r.pid === 0) return;
        this.reaped({ code: null, signal: 'SIGKILL' });
      } catch {
        this.reaped({ code: null, signal: 'SIGKILL' });
      }
      clearInterval(timer);
    }, 10);
  }

  async signal(signal: number): Promise<void> {
    if (this.finished) return;
    await supervisor?.send({ type: 'signal', jid: this.jid, signal });
  }

  stop(): Promise<JailExit> {
    this.kill('stopped');
    return this.exited;
  }
}
