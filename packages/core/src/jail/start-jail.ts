import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AF_UNIX,
  close,
  F_DUPFD_CLOEXEC,
  fcntl,
  type LaunchedChild,
  launch,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  open,
  P_PIDFD,
  pidfdSendSignal,
  SetupOpError,
  SIGKILL,
  SOCK_CLOEXEC,
  SOCK_SEQPACKET,
  socketpair,
  WEXITED,
  waitid,
} from '@sysjail/systrace-bindings';
import type { Emulation } from '../emulation.js';
import { JailSetupError, NoEmulationError, PrisonConfigError } from '../errors.js';
import type { CompiledFilter } from '../filter/compile.js';
import { startJexecServer } from '../jexec/jexec-server.js';
import { jexecSocketPath } from '../jexec/socket-path.js';
import { watchCputime } from '../limits/cputime-watch.js';
import {
  type AppliedLimits,
  applyLimits,
  type JailLimit,
  ownRules,
  releaseLimits,
  rulesForJail,
} from '../limits/jail-limits.js';
import type { RctlRule } from '../limits/rctl-rule.js';
import { activeRules } from '../listen/jail-policy.js';
import { listenerIndex } from '../listen/listener.js';
import { compileSubPolicies } from '../listen/sub-policy.js';
import { confineAddresses } from '../net/confine-addresses.js';
import { addJailAliases } from '../net/interface-aliases.js';
import { JailCgroup } from '../net/jail-cgroup.js';
import type { Prison } from '../prison.js';
import { processStartTime } from '../registry/process-start-time.js';
import { JailStdio } from '../stdio/jail-stdio.js';
import { COUNTER_SLOTS, type PreparedJailSpec } from '../supervisor/protocol.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { type JailUserNamespace, jailUserNamespace } from './binfmt.js';
import { checkPrison } from './check-prison.js';
import { beginStart, endStart, engine, nextLocalJid, supervisionMode, track, untrack } from './engine.js';
import { decisionFilter, type JailFilters, jailFilters } from './filter-cache.js';
import { initMemfd, sealedExecutable } from './init-binary.js';
import type { JailOptions } from './jail-options.js';
import { type Jail, RunningJail } from './running-jail.js';
import { JAIL_NAMESPACES, jailSetupOps } from './setup-ops.js';
import { startTrace } from './start-trace.js';
import { Teardown, type Undo } from './teardown.js';

/** A jail being started: what the stages made so far. */
interface Starting {
  readonly options: JailOptions;
  readonly filters: JailFilters;
  /** Encoded filters of the jail's sub-policies, by name. */
  readonly subPolicies: Readonly<Record<string, Uint8Array>>;
  /** What the launcher does between clone and exec (namespaces, mounts, root, filter). */
  readonly setupOps: ReturnType<typeof jailSetupOps>;
  readonly supervisor: Supervisor;
  readonly teardown: Teardown;
  readonly started: Promise<unknown>;
  jid: number;
  /** The control channel to the init (ours; the init's end goes to the launcher). */
  control: number;
  cgroup: JailCgroup;
  initPid: number;
  initPidfd: number;
  listenerFd: number;
  jail: RunningJail;
  /** The jail's own rctl rules (from `limits`) and the limits in force (theirs and rctl's). */
  ownRules: ReturnType<typeof ownRules>;
  limits: AppliedLimits | undefined;
  /** The supervisor owns listenerFd, control and initPidfd: their own undos no longer apply. */
  supervised: boolean;
  /** The jail's counters, shared with the supervisor. */
  counters: SharedArrayBuffer;
  /** The supervisor's answers to the prepare and the attach, and the release of the init. */
  prepared: Promise<void>;
  attached: Promise<void> | undefined;
  released: Promise<void>;
  /** The command's stdio: pipes of the jail's, relayed to the caller's (see stdio/jail-stdio.ts). */
  stdio: JailStdio;
  /** The command's terminal in the jail's devpts, when it gets one (ours until sent with the go). */
  terminal: number | undefined;
  /** The jail's user namespace and binfmt_misc instance (JailOptions.loaderBinfmt). */
  userNamespace: JailUserNamespace | undefined;
}

/** One step of a start: does its part and returns how to undo it (nothing to undo: undefined). */
interface Stage {
  readonly name: string;
  apply(s: Starting): Undo | undefined | Promise<Undo | undefined>;
}

/**
 * A jail with loaderBinfmt: its user namespace and private binfmt_misc instance, whose one rule runs the
 * loader (in its sealed memfd) for the programs it matches. Made before the launch: the init enters it.
 */
const binfmt: Stage = {
  name: 'binfmt',
  async apply(s) {
    const { loader, loaderBinfmt } = s.options;
    if (!loaderBinfmt || !loader) return undefined;
    const loaderFd = sealedExecutable(loader, 'build its emulation package');
    const ns = await jailUserNamespace([['loader', loaderBinfmt]], loaderFd);
    s.userNamespace = ns;
    return () => ns.close();
  },
};

/** The command's stdio: pipes of the jail's (the caller's never reach the jail), relayed once it runs. */
const jailStdio: Stage = {
  name: 'stdio',
  apply(s) {
    const stdio = new JailStdio(s.options.stdio ?? [0, 1, 2], s.options.terminal ?? 'auto');
    s.stdio = stdio;
    return () => stdio.finish(true); // at the end: the outputs to their end
  },
};

/**
 * The native launcher starts the init from this thread: clone3 into the jail's namespaces and its cgroup
 * (made before, so the init is born in it), the setup ops between clone and exec, then sysjail-init from
 * its sealed memfd. The init waits for the supervisor's go, so nothing runs before every stage is done.
 * The init is this thread's child: its parent-death signal (SIGKILL) fires when this thread ends, which
 * for the main thread is the process.
 */
const launchInit: Stage = {
  name: 'launch',
  apply(s) {
    const { options } = s;
    const [control, controlChild] = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC);
    const memfd = initMemfd();
    const { stdio } = s;
    const userArgs = options.user ? ['-u', String(options.user.uid), '-g', String(options.user.gid)] : [];
    const cwdArgs = options.cwd === undefined ? [] : ['-d', options.cwd];
    let child: LaunchedChild;
    try {
      const loaderFd = options.loader
        ? sealedExecutable(options.loader, 'build its emulation package')
        : undefined;
      const loaderArgs = [
        ...(loaderFd === undefined ? [] : options.underLoader ? ['-L', '-l'] : ['-L']),
        ...(s.userNamespace ? ['-U'] : []),
      ];
      const cgroupFd = open(s.cgroup.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      try {
        child = launch({
          namespaces: JAIL_NAMESPACES,
          cgroupFd,
          deathSignal: SIGKILL,
          setup: s.setupOps,
          command: { fd: memfd },
          argv0: 'sysjail-init',
          args: options.service
            ? ['-w', ...(options.service.persist ? ['-p'] : []), ...loaderArgs]
            : [...userArgs, ...cwdArgs, ...loaderArgs, '--', ...options.command],
          env: { ...(options.env ?? jailEnvironment()) },
          stdio:
            loaderFd === undefined
              ? [...stdio.jailSide, controlChild]
              : [
                  ...stdio.jailSide,
                  controlChild,
                  loaderFd,
                  ...(s.userNamespace ? [s.userNamespace.userns] : []),
                ],
        });
      } finally {
        close(cgroupFd);
      }
    } catch (e) {
      close(control);
      throw e;
    } finally {
      close(controlChild);
      stdio.closeJailSide();
    }
    s.control = control;
    s.initPid = child.pid;
    s.initPidfd = child.pidfd;
    // Ours, whoever else holds the init's pidfd: the undo kills and reaps the init if nobody did (a jail
    // that ended had it reaped: only closed then, without the two failing calls and their exceptions).
    const pidfd = fcntl(child.pidfd, F_DUPFD_CLOEXEC, 0);
    const undo = () => {
      if (!s.supervised) {
        close(control);
        close(s.initPidfd);
        if (child.listenerFd !== undefined) close(child.listenerFd);
      }
      if (s.jail?.initReaped) close(pidfd);
      else reapInit(pidfd);
    };
    if (child.listenerFd === undefined) {
      undo();
      throw new JailSetupError('the launcher returned no seccomp listener');
    }
    s.listenerFd = child.listenerFd;
    return undo;
  },
};

/** SIGKILL and reap the init through its pidfd (ECHILD: the supervisor reaped it), then close it. */
function reapInit(pidfd: number): void {
  try {
    pidfdSendSignal(pidfd, SIGKILL);
  } catch {}
  try {
    waitid(P_PIDFD, pidfd, WEXITED);
  } catch {}
  close(pidfd);
}

const registry: Stage = {
  name: 'registry',
  apply(s) {
    const { options } = s;
    const { prison } = options;
    const record = options.registry?.allocate({
      name: prison.name,
      path: prison.path,
      hostname: prison.hostname,
      ipv4: prison.ipv4,
      ipv6: prison.ipv6,
      flags: prison.flags,
      emulation: options.emulation.name,
      supervisorPid: process.pid,
      command: options.command,
    });
    s.jid = record?.jid ?? nextLocalJid();
    return record ? () => options.registry?.remove(s.jid) : undefined;
  },
};

/** The interface aliases the prison asks for (iface|addr), recorded so a stale record can be healed. */
const aliases: Stage = {
  name: 'interface aliases',
  apply(s) {
    const { options } = s;
    return addJailAliases(options.prison.aliases ?? [], (added, netns) =>
      options.registry?.update(s.jid, { aliases: added, netns }),
    );
  },
};

const cgroup: Stage = {
  name: 'cgroup',
  apply(s) {
    s.cgroup = JailCgroup.create(`jail-${process.pid}-${s.jid}`);
    return () => s.cgroup.destroy();
  },
};

/** The address programs are attached to the jail's cgroup and go with it. */
const addresses: Stage = {
  name: 'address programs',
  apply(s) {
    const { prison } = s.options;
    confineAddresses(s.cgroup, {
      ipv4: prison.ipv4,
      ipv6: prison.ipv6,
      // Its root's CAP_NET_BIND_SERVICE is in its own user namespace: the bind programs stand in for it.
      ...(prison.userNamespace ? { rootBindsReservedPorts: true } : {}),
    });
    return undefined;
  },
};

/** rctl: the jail's own limits and the rules naming it, on its cgroups (v1 controllers or cgroup2). */
const limits: Stage = {
  name: 'limits',
  apply(s) {
    const { options } = s;
    const who = { jid: s.jid, name: options.prison.name };
    s.ownRules = ownRules(who, options.limits as readonly JailLimit[] | undefined);
    const rules = rulesForJail(options.registry?.dir, who, s.ownRules);
    if (rules.length > 0) s.limits = applyLimits(rules, s.cgroup.path, s.initPid);
    // rctl -a may add limits to the running jail: its record then names their cgroups too.
    return () => releaseLimits(options.registry, s.jid, s.limits, s.cgroup.path);
  },
};

/** cputime limits: a watch over the cgroup's CPU time that signals the jail's processes. */
const cputime: Stage = {
  name: 'cputime watch',
  apply(s) {
    const registry = s.options.registry;
    const recordFile = registry ? join(registry.dir, `${s.jid}.json`) : undefined;
    const { cgroup } = s;
    return watchCputime(
      cgroup.path,
      () =>
        recordFile
          ? ((JSON.parse(readFileSync(recordFile, 'utf8')) as { limits?: RctlRule[] }).limits ?? [])
          : (s.limits?.rules ?? []),
      (signal) => {
        for (const pid of cgroup.pids()) {
          try {
            process.kill(pid, signal);
          } catch {}
        }
      },
    );
  },
};

/** The command's terminal, in the jail's own devpts (reached through the init's root); ours until the go. */
const terminal: Stage = {
  name: 'terminal',
  apply(s) {
    if (!s.stdio.usesTerminal) return undefined;
    s.terminal = s.stdio.openTerminal(`/proc/${s.initPid}/root`);
    return () => {
      if (s.terminal !== undefined) close(s.terminal);
    };
  },
};

const jailObject: Stage = {
  name: 'jail object',
  apply(s) {
    const { notifyTable } = s.filters.filter.compiled;
    s.jail = new RunningJail({
      jid: s.jid,
      prison: s.options.prison,
      initPid: s.initPid,
      initPidfd: s.initPidfd,
      cgroup: s.cgroup,
      counters: s.counters,
      notifyTable,
      nativeAbi: s.options.emulation.tables[0].arch.name,
      listeners: s.filters.listeners,
      policyOf: (prison, on) => {
        const rules = activeRules(s.options.changeableRules ?? {}, on);
        const f = decisionFilter(s.options.emulation, prison, s.options.auditDenials ?? true, rules);
        return { program: f.program, notifyTable: f.compiled.notifyTable };
      },
      ruleSets: Object.keys(s.options.changeableRules ?? {}),
      ruleSetsOn: new Set(
        Object.entries(s.options.changeableRules ?? {})
          .filter(([, set]) => set.on === true)
          .map(([name]) => name),
      ),
      changeableFlags: s.options.changeableFlags ?? [],
      subPolicies: s.subPolicies,
      compileRules: (rules) => {
        const compiled = compileSubPolicies(s.options.emulation, { rules: { rules } });
        return compiled.get('rules') as Uint8Array;
      },
      teardown: s.teardown,
      started: s.started,
      ...(s.options.registry ? { registry: s.options.registry } : {}),
    });
    track(s.jid, s.jail, s.supervisor);
    return () => untrack(s.jid);
  },
};

/** jexec's socket, for jails in a registry. */
const jexec: Stage = {
  name: 'jexec',
  async apply(s) {
    const reg = s.options.registry;
    if (!reg) return undefined;
    const sup = s.supervisor;
    const jid = s.jid;
    const server = await startJexecServer({
      jid,
      socketPath: jexecSocketPath(reg.dir, jid),
      jail: s.jail,
      exec: (m) => sup.send({ type: 'exec', jid, ...m }),
      cgroupProcs: join(s.cgroup.path, 'cgroup.procs'),
      jailRoot: `/proc/${s.initPid}/root`,
      subPolicy: (name) => (Object.hasOwn(s.subPolicies, name) ? s.subPolicies[name] : undefined),
      stackedFilters: () => s.jail.stackedFilters,
    });
    s.jail.jexec = server;
    return () => server.close();
  },
};

/** The supervisor's tables of an emulation (numbers by name, ABIs), made once per emulation. */
const byEmulation = new WeakMap<Emulation, Pick<PreparedJailSpec, 'numbers' | 'abis' | 'errno'>>();

function emulationParts(emulation: Emulation): Pick<PreparedJailSpec, 'numbers' | 'abis' | 'errno'> {
  let parts = byEmulation.get(emulation);
  if (!parts) {
    parts = {
      numbers: emulation.tables.map((t) =>
        lazyPair(t.arch.auditArch, () => Object.fromEntries(t.entries.map((e) => [e.name, e.nr]))),
      ),
      abis: emulation.tables.map((t) => [t.arch.auditArch, { name: t.arch.name, bits: t.arch.bits }]),
      errno: emulation.errno,
    };
    byEmulation.set(emulation, parts);
  }
  return parts;
}

/**
 * [key, value] with the value made when first read: an ABI's numbers by name (~450 names, about a
 * millisecond in a fresh process) are read only by a handler that evaluates a call by name, or when the
 * spec is copied to a worker thread (once: see 'prepare').
 */
function lazyPair<K, V>(key: K, make: () => V): [K, V] {
  const pair = [key] as unknown as [K, V];
  let value: V | undefined;
  Object.defineProperty(pair, 1, {
    enumerable: true,
    get: () => {
      value ??= make();
      return value;
    },
  });
  return pair;
}

type FilterParts = Pick<PreparedJailSpec, 'notifyByCall' | 'argKinds'>;
/** The supervisor's views of a compiled filter, made once per filter (a prewarmed start reuses it). */
const byFilter = new WeakMap<object, FilterParts>();

function filterParts(
  emulation: Emulation,
  compiled: Pick<CompiledFilter, 'notifyTable' | 'notifyByCall'>,
): FilterParts {
  let parts = byFilter.get(compiled);
  if (!parts) {
    const listened = new Set(
      compiled.notifyTable.filter(
        (e) => e.decision.action === 'notify' && listenerIndex(e.decision.handler) !== undefined,
      ),
    );
    parts = {
      notifyByCall: [...compiled.notifyByCall].map(([arch, m]) => [
        arch,
        [...m].map(([nr, es]) => [nr, es.map((e) => e.index)]),
      ]),
      argKinds: [...listened].flatMap((e) => {
        const entry = emulation.tables
          .find((t) => t.arch.name === e.arch)
          ?.entries.find((x) => x.name === e.syscall);
        return entry ? [[e.arch, e.syscall, entry.args, entry.argNames ?? []] as const] : [];
      }),
    };
    byFilter.set(compiled, parts);
  }
  return parts;
}

/**
 * The supervisor's part of a jail before its init exists: everything it needs but the launch's fds,
 * sent before the launch (a worker thread takes it with the attach, in one wake-up; see
 * WorkerSupervisor's post). Not awaited here: 'go' checks it.
 */
const prepare: Stage = {
  name: 'supervisor prepare',
  apply(s) {
    const { prison, emulation } = s.options;
    const { filter, decision, listeners } = s.filters;
    s.counters = new SharedArrayBuffer(4 * (COUNTER_SLOTS + 2 * filter.compiled.notifyTable.length));
    s.prepared = s.supervisor.prepare({
      jid: s.jid,
      prison,
      ...(emulation.handlers ? { handlers: emulation.handlers } : {}),
      program: filter.program,
      notifyTable: filter.compiled.notifyTable,
      ...emulationParts(emulation),
      ...filterParts(emulation, filter.compiled),
      cgroupProcs: join(s.cgroup.path, 'cgroup.procs'),
      counters: s.counters,
      decision: { program: decision.program, notifyTable: decision.compiled.notifyTable },
      listeners: listeners.map((l) => ({
        timeoutMs: l.timeoutMs ?? 1000,
        scalarsOnly: l.scalarsOnly === true,
      })),
    });
    s.prepared.catch(() => {}); // awaited by 'go'
    const sup = s.supervisor;
    const jid = s.jid;
    // Once attached, the 'supervisor add' stage's undo removes the jail.
    return () => (s.attached ? undefined : sup.request((request) => ({ type: 'remove', jid, request })));
  },
};

/**
 * Hands the listener, the control channel and the init's pidfd to the supervisor, which reaps the init
 * from now on. Sent without waiting: the supervisor takes them in order (prepare, attach, released, go),
 * so the go below follows at once and 'go' waits for all of them.
 */
const supervise: Stage = {
  name: 'supervisor add',
  apply(s) {
    const sup = s.supervisor;
    const jid = s.jid;
    s.attached = sup
      .attach(jid, {
        listenerFd: s.listenerFd,
        initPid: s.initPid,
        initPidfd: s.initPidfd,
        controlFd: s.control,
      })
      .then(() => {
        // The supervisor owns listenerFd, control and initPidfd: it closes them when it forgets the jail.
        s.supervised = true;
      });
    s.attached.catch(() => {});
    // The init is this process's child from the start: the supervisor reaps it (polling its pidfd).
    s.released = sup.send({ type: 'released', jid });
    s.released.catch(() => {});
    return async () => {
      await s.attached?.catch(() => {}); // settled before the launch's undo decides who closes the fds
      await sup.request((request) => ({ type: 'remove', jid, request }));
    };
  },
};

/** The registry record gets what the start made: the init, its cgroup, the limits in force. */
const record: Stage = {
  name: 'registry record',
  apply(s) {
    s.options.registry?.update(s.jid, {
      initPid: s.initPid,
      initStartTime: processStartTime(s.initPid),
      cgroupPath: s.cgroup.path,
      ...(s.ownRules.length > 0 ? { jailRules: s.ownRules } : {}),
      ...(s.limits ? { limits: s.limits.rules, limitCgroups: s.limits.cgroups } : {}),
      ...(s.options.countersPath ? { countersPath: s.options.countersPath(s.jid) } : {}),
    });
    return undefined; // the record goes with the registry stage's undo
  },
};

/**
 * Lets the command run: the relay starts and the supervisor sends the init its go (with the terminal),
 * right after the attach; then the start waits for the supervisor's answers (prepare, attach, released).
 */
const go: Stage = {
  name: 'go',
  async apply(s) {
    s.stdio.start();
    const terminal = s.terminal;
    s.terminal = undefined; // the supervisor thread closes it once sent
    const mask = (bits: readonly boolean[]) => bits.reduce((m, on, i) => m | (on ? 1 << i : 0), 0);
    const onTerminal = mask(s.stdio.onTerminal);
    const onNull = mask(s.stdio.onNull);
    const sent = s.supervisor.send({
      type: 'go',
      jid: s.jid,
      ...(terminal === undefined ? {} : { terminal, onTerminal }),
      ...(onNull === 0 ? {} : { onNull }),
    });
    sent.catch(() => {});
    // A supervisor that could not take the jail never sent the init its go: the undos end it.
    await s.prepared;
    await s.attached;
    await s.released;
    await sent;
    return undefined;
  },
};

/** The stages of a start, in order; a jail's end undoes them in reverse. */
const stages: readonly Stage[] = [
  registry,
  aliases,
  cgroup,
  addresses,
  binfmt,
  jailStdio,
  prepare,
  launchInit,
  limits,
  cputime,
  terminal,
  jailObject,
  jexec,
  record,
  supervise,
  go,
];

/**
 * Starts a jail: validates the prison, compiles the filter and runs the start stages (registry, cgroup,
 * address programs, launch, ..., supervisor, the go that lets the command run), each returning its undo
 * onto the jail's one Teardown. Any failure undoes every stage done: a jail never starts half-configured.
 */
export async function startJail(given: JailOptions): Promise<Jail> {
  // A jail in a user namespace of its own says so in its prison: its policy lets the init enter it.
  const { userNamespace: _, ...plain } = given.prison;
  const options: JailOptions = {
    ...given,
    prison: given.loaderBinfmt ? { ...plain, userNamespace: true } : plain,
  };
  const { prison, emulation } = options;
  if (!isEmulation(emulation)) throw new NoEmulationError();
  const trace = startTrace();
  checkPrison(prison);
  if (options.service ? options.command.length > 0 : options.command.length === 0) {
    throw new PrisonConfigError(options.service ? 'a service jail takes no command' : 'no command');
  }
  if (options.underLoader && !options.loader) throw new PrisonConfigError('underLoader without a loader');
  if (options.loaderBinfmt && !options.loader) throw new PrisonConfigError('loaderBinfmt without a loader');
  if (options.loaderBinfmt) {
    // Its root's capabilities count in its own user namespace; the kernel checks these in the host's.
    const lost = ownNamespaceLosses.filter(
      ([flag]) =>
        prison.flags[flag] || (options.changeableFlags as readonly string[] | undefined)?.includes(flag),
    );
    if (lost.length > 0)
      throw new PrisonConfigError(
        `a jail with per-exec emulation (a user namespace of its own) cannot give its root ${lost.map(([, p]) => p).join(', ')}: the kernel checks those capabilities in the host's user namespace`,
      );
  }
  const { supervisor } = engine(supervisionMode(options.supervision, options.service !== undefined));
  const ruleSets = options.changeableRules ?? {};
  const ruleSetsOn = new Set(Object.keys(ruleSets).filter((name) => ruleSets[name].on === true));
  const filters = jailFilters(
    emulation,
    prison,
    options.auditDenials ?? true,
    options.listeners ?? [],
    options.changeableFlags ?? [],
    ruleSets,
    activeRules(ruleSets, ruleSetsOn),
  );
  const subPolicies = compileSubPolicies(emulation, options.subPolicies);
  trace('filter');

  let startDone!: () => void;
  // A changeable flag keeps its capability: the filter and the supervisor decide the calls it gates.
  const capabilityFlags: Record<string, boolean> = { ...prison.flags };
  for (const flag of options.changeableFlags ?? []) capabilityFlags[flag] = true;
  const setupOps = jailSetupOps(
    { ...prison, flags: capabilityFlags as unknown as Prison['flags'] },
    filters.filter.program,
  );
  const s = {
    options,
    filters,
    subPolicies: Object.fromEntries(subPolicies),
    setupOps,
    supervisor,
    teardown: new Teardown(),
    started: new Promise<void>((resolve) => {
      startDone = resolve;
    }),
    supervised: false,
  } as Starting;
  beginStart(supervisor);
  try {
    for (const stage of stages) {
      const undo = await stage.apply(s);
      if (undo) s.teardown.push(stage.name, undo);
      trace(stage.name);
    }
    return s.jail;
  } catch (e) {
    await s.teardown.run();
    if (e instanceof PrisonConfigError || e instanceof JailSetupError) throw e;
    const op = e instanceof SetupOpError ? setupOps[e.index] : undefined;
    if (op?.op === 'bindInRoot' || op?.op === 'tmpfsInRoot') {
      const why = (e as SetupOpError).errnoName ?? (e as Error).message;
      throw new PrisonConfigError(`cannot mount at ${op.target} (resolved inside the jail): ${why}`);
    }
    throw new JailSetupError(`cannot start the jail: ${(e as Error).message}`, { cause: e });
  } finally {
    endStart();
    startDone();
  }
}

/** The flags a jail in its own user namespace cannot honour (capabilities checked by the kernel in the
 * initial user namespace), with their jail(8) parameters. */
const ownNamespaceLosses: readonly (readonly [keyof Prison['flags'], string])[] = [
  ['allowRawSockets', 'allow.raw_sockets (CAP_NET_RAW)'],
  ['allowChflags', 'allow.chflags (CAP_LINUX_IMMUTABLE)'],
  ['allowRlimit', 'allow.rlimit (CAP_SYS_RESOURCE)'],
];

/** The shape of core's Emulation contract, checked for callers without types (plain JavaScript). */
function isEmulation(e: unknown): e is Emulation {
  const o = e as Partial<Emulation> | undefined;
  return typeof o === 'object' && o !== null && Array.isArray(o.tables) && typeof o.policy === 'function';
}

/** The environment a jailed command gets by default: `from` (this process's) with the jail's PATH. */
export function jailEnvironment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined) env[k] = v;
  env.PATH = '/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin';
  return env;
}
