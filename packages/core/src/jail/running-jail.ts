import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { P_PIDFD, pidfdSendSignal, SIGKILL, WEXITED, WNOHANG, waitid } from '@sysjail/systrace-bindings';
import { PrisonConfigError } from '../errors.js';
import type { NotifyEntry } from '../filter/compile.js';
import type { JexecServer } from '../jexec/jexec-server.js';
import type { ChangeableFlag } from '../listen/jail-policy.js';
import type { Listener, ListenerAnswer } from '../listen/listener.js';
import { jailAddressWords } from '../net/address-words.js';
import { confineAddresses } from '../net/confine-addresses.js';
import type { JailCgroup } from '../net/jail-cgroup.js';
import type { Rule } from '../policy.js';
import type { Prison, PrisonFlags } from '../prison.js';
import { hostPidOf } from '../process/host-pid.js';
import { decodeWaitStatus, signalName } from '../process/wait-status.js';
import type { Registry } from '../registry/registry.js';
import {
  type AuditRecord,
  COUNTER,
  type DecisionProgram,
  entryCounter,
  type FromSupervisor,
} from '../supervisor/protocol.js';
import { liveSupervisor } from './engine.js';
import { type StackResult, stackFilter } from './stack-filter.js';
import type { Teardown, UndoFailure } from './teardown.js';

/**
 * A change to a running jail (jail -m). What can change, and how:
 * - hostname: the supervisor sets it in the jail's UTS namespace (processes see it at once);
 * - ipv4, ipv6: the jail's cgroup address programs are replaced (each hook atomically: a later bind,
 *   connect or sendmsg sees the new list; ingress to a removed address is dropped, so sockets bound to it
 *   stop receiving) and the supervisor's handlers bind to the new first address;
 * - flags: those the jail was started with as changeable (JailOptions.changeableFlags): the calls they
 *   decide go to the supervisor, which now decides them by the new flags (and the cgroup's socket
 *   program follows allowRawSockets). Any other flag is decided by the jail's seccomp filter, which the
 *   kernel cannot replace: asking for a different value is refused (PrisonConfigError), naming the flag.
 */
export interface JailChange {
  readonly hostname?: string;
  readonly ipv4?: readonly string[];
  readonly ipv6?: readonly string[];
  readonly flags?: Partial<PrisonFlags>;
  /**
   * Stricter rules for the whole jail (allow, deny, kill; decided in the kernel): a filter compiled from
   * them is stacked on every process of the jail, its init included, so every later process (jexec)
   * inherits it. Only ever tighter: a stacked filter cannot be removed (see moveToSubPolicy).
   */
  readonly rules?: readonly Rule[];
  /**
   * Switches the jail's changeable rule sets (JailOptions.changeableRules) on (true) or off (false):
   * both ways, since the calls they match were routed to the supervisor from the start.
   */
  readonly ruleSets?: Readonly<Record<string, boolean>>;
}

export interface JailExit {
  /** Exit code of the command, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: string | null;
  /** 'exited': the command ended; 'shutdown': reboot(2) inside; 'stopped': stop() was called. */
  readonly reason: 'exited' | 'shutdown' | 'stopped' | 'supervisor';
  /** Stages whose undo failed at the end (what they made may be left on the host); absent when none. */
  readonly undoFailures?: readonly UndoFailure[];
}

export interface JailCounters {
  readonly notified: number;
  readonly denied: number;
  readonly emulated: number;
  /** Calls denied because a listener threw, answered nonsense or missed its time limit. */
  readonly listenerFailures: number;
  /** Per syscall (`name`, or `name/abi` for a call of another ABI than the native one), when non-zero. */
  readonly byCall: Readonly<Record<string, { readonly denied: number; readonly emulated: number }>>;
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
  /**
   * Sends `signal` (a number) to the jail's init, through its pidfd: never to another process that got
   * its pid once it was reaped. jail(8) passes its INT, TERM and HUP on this way.
   */
  signalInit(signal: number): void;
  /** Changes the running jail (see JailChange); applies to later calls of every process of the jail. */
  change(change: JailChange): Promise<void>;
  /**
   * Moves running process `pid` (its host pid) and every descendant under the jail's sub-policy `name`
   * (JailOptions.subPolicies): its filter is stacked on them by injection (see stack-filter.ts), so they
   * and every process they start afterwards are under it; the jail's other processes are not. A process
   * that cannot be put under it is killed (listed in the result); an i386 process is refused
   * (PrisonConfigError, nothing changed). Never the other way: the kernel removes no filter.
   */
  moveToSubPolicy(pid: number, name: string): Promise<StackResult>;
  /** Rules stacked on the whole jail by change({ rules }), in order, with what each did. */
  readonly stacked: readonly { readonly rules: readonly Rule[]; readonly result: StackResult }[];
  /** The host pid of the jail's process `jailPid` (its pid inside the jail), if it runs. */
  hostPidOf(jailPid: number): number | undefined;
  /** Ends every process of the jail. */
  stop(): Promise<JailExit>;
}

type InitExit = { code: number | null; signal: string | null };

/** How many times a jail's rules may be tightened (each is a filter every later command stacks). */
const MAX_STACKED = 8;

export interface RunningJailParts {
  readonly jid: number;
  readonly prison: Prison;
  readonly initPid: number;
  readonly initPidfd: number;
  readonly cgroup: JailCgroup;
  readonly counters: SharedArrayBuffer;
  /** Undoes every start stage; run when the jail ends. */
  readonly teardown: Teardown;
  /** Settles when startJail is done (either way): the end waits for it before tearing down. */
  readonly started: Promise<unknown>;
  /** Where the jail is recorded, if anywhere (change() keeps the record true). */
  readonly registry?: Registry;
  /** The notify table of the jail's filter (its entries have counters). */
  readonly notifyTable: readonly NotifyEntry[];
  /** The emulation's first ABI (counted by the bare syscall name). */
  readonly nativeAbi: string;
  readonly listeners: readonly Listener[];
  /** The decision program for other flags and rule sets switched on (change). */
  policyOf(prison: Prison, ruleSetsOn: ReadonlySet<string>): DecisionProgram;
  /** The names of the jail's changeable rule sets, and those switched on at start. */
  readonly ruleSets: readonly string[];
  readonly ruleSetsOn: ReadonlySet<string>;
  readonly changeableFlags: readonly ChangeableFlag[];
  /** Encoded filters of the jail's sub-policies, by name. */
  readonly subPolicies: Readonly<Record<string, Uint8Array>>;
  /** The encoded filter of stricter rules (change({ rules })). */
  compileRules(rules: readonly Rule[]): Uint8Array;
}

export class RunningJail extends EventEmitter implements Jail {
  readonly jid: number;
  prison: Prison;
  readonly initPid: number;
  readonly exited: Promise<JailExit>;
  readonly audit: AuditRecord[] = [];
  private commandStatus: number | undefined;
  private reason: JailExit['reason'] = 'exited';
  private readonly counterView: Int32Array;
  /** The counters the supervisor thread writes (COUNTER slots). */
  readonly countersBuffer: SharedArrayBuffer;
  /** The jail's jexec socket (jails with a registry). */
  jexec?: JexecServer;
  private readonly reaped: (exit: InitExit) => void;
  /** Set once the jail has begun to end. */
  finished = false;
  /** The init is reaped (by the supervisor, or by this thread without one). */
  initReaped = false;
  /** Its stages are undone: the init's pidfd belongs to nobody any more. */
  private torndown = false;

  constructor(private readonly parts: RunningJailParts) {
    super();
    this.jid = parts.jid;
    this.prison = parts.prison;
    this.initPid = parts.initPid;
    this.countersBuffer = parts.counters;
    this.ruleSetsOn = parts.ruleSetsOn;
    this.counterView = new Int32Array(parts.counters);
    // The init is this process's child: the supervisor reaps it ('reaped'), or, without one, this thread.
    let reaped!: (exit: InitExit) => void;
    const initExited = new Promise<InitExit>((resolve) => {
      reaped = resolve;
    });
    this.reaped = reaped;
    this.exited = initExited.then((init) => this.finish(init));
  }

  /**
   * The init is reaped: every process of its PID namespace (the jail's) is gone with it. Anything else
   * in the jail's cgroup (a process host root moved there) is killed before the teardown, so that none
   * holds up its stages (the relay's outputs to their end).
   */
  private async finish(init: InitExit): Promise<JailExit> {
    this.finished = true;
    try {
      this.parts.cgroup.kill();
    } catch {}
    await this.parts.started.catch(() => {});
    const failed = await this.parts.teardown.run();
    this.torndown = true;
    const undoFailures = failed.length > 0 ? { undoFailures: failed } : {};
    const status = this.commandStatus;
    if (this.reason === 'exited' && status !== undefined)
      return { ...decodeWaitStatus(status), reason: 'exited', ...undoFailures };
    return { code: init.code, signal: init.signal, reason: this.reason, ...undoFailures };
  }

  onSupervisor(msg: FromSupervisor): void {
    if (msg.type === 'listen') {
      this.listen(msg);
      return;
    }
    if (msg.type === 'exit' && msg.tag === 0) this.commandStatus = msg.status;
    else if (msg.type === 'shutdown') this.reason = 'shutdown';
    else if (msg.type === 'reaped') {
      this.initReaped = true;
      this.reaped({ code: msg.code, signal: msg.signal === null ? null : signalName(msg.signal) });
    }
    this.emit('supervisor', msg);
  }

  onAudit(record: AuditRecord): void {
    if (this.audit.length < 10_000) this.audit.push(record);
    this.emit('audit', record);
  }

  counters(): JailCounters {
    const byCall: Record<string, { denied: number; emulated: number }> = {};
    for (const e of this.parts.notifyTable) {
      const denied = Atomics.load(this.counterView, entryCounter(e.index, 'denied'));
      const emulated = Atomics.load(this.counterView, entryCounter(e.index, 'emulated'));
      if (denied === 0 && emulated === 0) continue;
      const name = e.arch === this.parts.nativeAbi ? e.syscall : `${e.syscall}/${e.arch}`;
      const c = byCall[name] ?? { denied: 0, emulated: 0 };
      byCall[name] = { denied: c.denied + denied, emulated: c.emulated + emulated };
    }
    return {
      notified: Atomics.load(this.counterView, COUNTER.notified),
      denied: Atomics.load(this.counterView, COUNTER.denied),
      emulated: Atomics.load(this.counterView, COUNTER.emulated),
      listenerFailures: Atomics.load(this.counterView, COUNTER.listenerFailures),
      byCall,
    };
  }

  /** A call for one of the jail's listeners: its answer goes back to the supervisor thread. */
  private listen(msg: Extract<FromSupervisor, { type: 'listen' }>): void {
    const listener = this.parts.listeners[msg.listener];
    const reply = (answer: ListenerAnswer | undefined, failure?: string) => {
      liveSupervisor(this.jid)
        ?.send({
          type: 'answer',
          jid: this.jid,
          ticket: msg.ticket,
          answer: answer ?? { action: 'errno', errno: 'EPERM' },
          ...(failure === undefined ? {} : { failure }),
        })
        .catch(() => {}); // the thread is gone: the call failed closed with it
    };
    if (!listener) {
      reply(undefined, `no listener ${msg.listener}`);
      return;
    }
    let result: ListenerAnswer | Promise<ListenerAnswer>;
    try {
      result = listener.handle(msg.call);
    } catch (e) {
      reply(undefined, (e as Error)?.message ?? String(e));
      return;
    }
    Promise.resolve(result).then(
      (answer) => reply(answer),
      (e: unknown) => reply(undefined, (e as Error)?.message ?? String(e)),
    );
  }

  kill(reason: JailExit['reason']): void {
    if (this.reason === 'exited') this.reason = reason;
    if (this.torndown) return;
    try {
      pidfdSendSignal(this.parts.initPidfd, SIGKILL);
    } catch {}
  }

  reapWithoutSupervisor(): void {
    const timer = setInterval(() => {
      try {
        const r = waitid(P_PIDFD, this.parts.initPidfd, WEXITED | WNOHANG);
        if (r.pid === 0) return;
        this.initReaped = true;
        this.reaped({ code: null, signal: 'SIGKILL' });
      } catch {
        this.reaped({ code: null, signal: 'SIGKILL' });
      }
      clearInterval(timer);
    }, 10);
  }

  signalInit(signal: number): void {
    if (this.torndown) return;
    try {
      pidfdSendSignal(this.parts.initPidfd, signal);
    } catch {}
  }

  async signal(signal: number): Promise<void> {
    if (this.finished) return;
    await liveSupervisor(this.jid)?.send({ type: 'signal', jid: this.jid, signal });
  }

  async change(change: JailChange): Promise<void> {
    if (this.finished) throw new PrisonConfigError(`jail ${this.jid} has ended`);
    const current = this.prison;
    const flags: Record<string, boolean> = { ...current.flags };
    for (const [flag, value] of Object.entries(change.flags ?? {})) {
      if (!(flag in current.flags) || typeof value !== 'boolean') {
        throw new PrisonConfigError(`flags.${flag}: not a prison flag`);
      }
      if (current.flags[flag as keyof PrisonFlags] === value) continue;
      if (!(this.parts.changeableFlags as readonly string[]).includes(flag)) {
        throw new PrisonConfigError(
          `flags.${flag}: cannot change while the jail runs (its seccomp filter decides it and cannot be replaced; start the jail with it changeable)`,
        );
      }
      flags[flag] = value;
    }
    const flagsChanged = Object.keys(flags).some((f) => flags[f] !== current.flags[f as keyof PrisonFlags]);
    const ruleSetsOn = new Set(this.ruleSetsOn);
    for (const [name, on] of Object.entries(change.ruleSets ?? {})) {
      if (!this.parts.ruleSets.includes(name) || typeof on !== 'boolean') {
        throw new PrisonConfigError(
          `rule set ${name}: not a changeable rule set of this jail (start it with changeableRules)`,
        );
      }
      if (on) ruleSetsOn.add(name);
      else ruleSetsOn.delete(name);
    }
    const ruleSetsChanged =
      ruleSetsOn.size !== this.ruleSetsOn.size || [...ruleSetsOn].some((n) => !this.ruleSetsOn.has(n));
    const next: Prison = {
      ...current,
      flags: flags as unknown as PrisonFlags,
      ...(change.hostname === undefined ? {} : { hostname: change.hostname }),
      ...(change.ipv4 === undefined ? {} : { ipv4: [...change.ipv4] }),
      ...(change.ipv6 === undefined ? {} : { ipv6: [...change.ipv6] }),
    };
    if (change.hostname !== undefined && (change.hostname.length === 0 || change.hostname.length > 64)) {
      throw new PrisonConfigError(`${change.hostname}: not a host name`);
    }
    // A family the jail had no address of is refused by its filter (socket(2)); it cannot get one now.
    for (const [family, before, after] of [
      ['ipv4', current.ipv4, next.ipv4],
      ['ipv6', current.ipv6, next.ipv6],
    ] as const) {
      if ((before.length === 0) !== (after.length === 0)) {
        throw new PrisonConfigError(
          `${family}: a jail cannot gain or lose its last address of a family while it runs (its seccomp filter decides the family)`,
        );
      }
    }
    jailAddressWords(next);
    const stricter = change.rules === undefined ? undefined : this.parts.compileRules(change.rules);
    if (stricter && this.stackedFilters.length >= MAX_STACKED) {
      throw new PrisonConfigError(`jail ${this.jid}: its rules were tightened ${MAX_STACKED} times already`);
    }
    const addresses = change.ipv4 !== undefined || change.ipv6 !== undefined;
    const sup = liveSupervisor(this.jid);
    if (!sup) throw new PrisonConfigError(`jail ${this.jid}: its supervisor is gone`);
    // Stricter rules first: the one step that may fail with nothing changed (the jail did not freeze).
    if (stricter) {
      // Later commands (jexec) stack it first, then the running processes get it: one started in
      // between has it twice, which changes nothing.
      this.stackedFilters.push(stricter);
      let result: StackResult;
      try {
        result = stackFilter(this.parts.cgroup, stricter, { target: { allBut: this.initPid } });
      } catch (e) {
        this.stackedFilters.pop(); // commands exec'd meanwhile have it: stricter, never looser
        throw e;
      }
      this.stacked.push({ rules: change.rules ?? [], result });
    }
    // Routed calls are decided by the new flags from now on (socket(2) with them: which inet sockets
    // may be made is the filter's decision, no cgroup program's).
    const program = flagsChanged || ruleSetsChanged ? this.parts.policyOf(next, ruleSetsOn) : undefined;
    if (program) {
      await sup.request((request) => ({
        type: 'policy',
        jid: this.jid,
        request,
        decision: program,
        flags: next.flags,
      }));
    }
    if (addresses) {
      confineAddresses(this.parts.cgroup, { ipv4: next.ipv4, ipv6: next.ipv6 });
    }
    await sup.request((request) => ({
      type: 'change',
      jid: this.jid,
      request,
      ...(change.hostname === undefined ? {} : { hostname: change.hostname }),
      ...(addresses ? { ipv4: next.ipv4, ipv6: next.ipv6 } : {}),
    }));
    this.prison = next;
    this.ruleSetsOn = ruleSetsOn;
    try {
      this.parts.registry?.update(this.jid, {
        hostname: next.hostname,
        ipv4: next.ipv4,
        ipv6: next.ipv6,
        flags: next.flags,
      });
    } catch {}
  }

  /** The changeable rule sets switched on now. */
  ruleSetsOn: ReadonlySet<string>;
  /** The filters of change({ rules }), in order: every command exec'd into the jail stacks them. */
  readonly stackedFilters: Uint8Array[] = [];
  /** Rules stacked on the whole jail by change({ rules }), in order, with what each did. */
  readonly stacked: { readonly rules: readonly Rule[]; readonly result: StackResult }[] = [];

  hostPidOf(jailPid: number): number | undefined {
    return hostPidOf(join(this.parts.cgroup.path, 'cgroup.procs'), jailPid);
  }

  async moveToSubPolicy(pid: number, name: string): Promise<StackResult> {
    if (this.finished) throw new PrisonConfigError(`jail ${this.jid} has ended`);
    const filter = Object.hasOwn(this.parts.subPolicies, name) ? this.parts.subPolicies[name] : undefined;
    if (!filter) throw new PrisonConfigError(`jail ${this.jid} has no sub-policy ${name}`);
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new PrisonConfigError(`${pid}: not a pid`);
    if (pid === this.initPid) {
      throw new PrisonConfigError(
        `pid ${pid} is the jail's init: it runs no jailed code; move the processes it started (or tighten the jail's rules)`,
      );
    }
    return stackFilter(this.parts.cgroup, filter, { target: { pid } });
  }

  stop(): Promise<JailExit> {
    this.kill('stopped');
    return this.exited;
  }
}
