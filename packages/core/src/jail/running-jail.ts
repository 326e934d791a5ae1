import { EventEmitter } from 'node:events';
import { P_PIDFD, pidfdSendSignal, SIGKILL, WEXITED, WNOHANG, waitid } from '@sysjail/systrace-bindings';
import type { JexecServer } from '../jexec/jexec-server.js';
import type { JailCgroup } from '../net/jail-cgroup.js';
import type { Prison } from '../prison.js';
import { decodeWaitStatus, signalName } from '../process/wait-status.js';
import { type AuditRecord, COUNTER, type FromSupervisor } from '../supervisor/protocol.js';
import { liveSupervisor } from './engine.js';
import type { Teardown } from './teardown.js';

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

type InitExit = { code: number | null; signal: string | null };

export interface RunningJailParts {
  readonly jid: number;
  readonly prison: Prison;
  readonly initPid: number;
  readonly initPidfd: number;
  readonly cgroup: JailCgroup;
  readonly counters: SharedArrayBuffer;
  readonly initExited: Promise<InitExit>;
  /** Undoes every start stage; run when the jail ends. */
  readonly teardown: Teardown;
  /** Settles when startJail is done (either way): the end waits for it before tearing down. */
  readonly started: Promise<unknown>;
}

export class RunningJail extends EventEmitter implements Jail {
  readonly jid: number;
  readonly prison: Prison;
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
  /** The launcher handover, when asked for (releaseLauncher). */
  handover?: Promise<unknown>;
  /** The launcher thread let the init go: this process reaps it. */
  released = false;
  private readonly reaped: (exit: InitExit) => void;
  /** Set once the jail has begun to end. */
  finished = false;
  /** Its stages are undone: the init's pidfd belongs to nobody any more. */
  private torndown = false;

  constructor(private readonly parts: RunningJailParts) {
    super();
    this.jid = parts.jid;
    this.prison = parts.prison;
    this.initPid = parts.initPid;
    this.countersBuffer = parts.counters;
    this.counterView = new Int32Array(parts.counters);
    let reaped!: (exit: InitExit) => void;
    const initExited = new Promise<InitExit>((resolve, reject) => {
      reaped = resolve;
      parts.initExited.then(resolve, reject);
    });
    this.reaped = reaped;
    this.exited = initExited.then(
      (init) => this.finish(init),
      () => this.finish({ code: null, signal: 'SIGKILL' }),
    );
  }

  private async finish(init: InitExit): Promise<JailExit> {
    this.finished = true;
    try {
      this.parts.cgroup.kill();
    } catch {}
    await this.parts.started.catch(() => {});
    await this.parts.teardown.run();
    this.torndown = true;
    const status = this.commandStatus;
    if (this.reason === 'exited' && status !== undefined)
      return { ...decodeWaitStatus(status), reason: 'exited' };
    return { code: init.code, signal: init.signal, reason: this.reason };
  }

  onSupervisor(msg: FromSupervisor): void {
    if (msg.type === 'exit' && msg.tag === 0) this.commandStatus = msg.status;
    else if (msg.type === 'shutdown') this.reason = 'shutdown';
    else if (msg.type === 'reaped') {
      this.reaped({ code: msg.code, signal: msg.signal === null ? null : signalName(msg.signal) });
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
    if (this.torndown) return;
    try {
      pidfdSendSignal(this.parts.initPidfd, SIGKILL);
    } catch {}
  }

  reapWithoutSupervisor(): void {
    if (!this.released) return;
    const timer = setInterval(() => {
      try {
        const r = waitid(P_PIDFD, this.parts.initPidfd, WEXITED | WNOHANG);
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
    await liveSupervisor()?.send({ type: 'signal', jid: this.jid, signal });
  }

  stop(): Promise<JailExit> {
    this.kill('stopped');
    return this.exited;
  }
}
