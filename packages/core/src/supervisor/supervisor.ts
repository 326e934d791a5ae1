import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { close, pipe2, write } from '@sysjail/systrace-bindings';
import {
  doneOf,
  type FromSupervisor,
  type LaunchedFds,
  type PreparedJailSpec,
  type SupervisedJailSpec,
  type ToSupervisor,
} from './protocol.js';

const workerScript = fileURLToPath(new URL('../../dist/supervisor/supervisor-worker.js', import.meta.url));

/**
 * How many supervisor threads serve the jails: SYSJAIL_SUPERVISOR_THREADS (1 or 2), else 2 when the
 * host has more than one CPU (a second thread on one CPU only adds switches).
 */
export function supervisorThreadCount(env: NodeJS.ProcessEnv = process.env): 1 | 2 {
  const asked = env.SYSJAIL_SUPERVISOR_THREADS;
  if (asked === '1' || asked === '2') return Number(asked) as 1 | 2;
  return availableParallelism() > 1 ? 2 : 1;
}

/**
 * Who serves a jail's seccomp listener and init channel: 'worker', supervisor worker threads of their own
 * (each boots a V8 isolate; services and the shared supervisor), or 'thread', the event loop of the
 * thread that starts the jail (no worker: one-shot runs, the jail command).
 */
export type SupervisionMode = 'worker' | 'thread';

/**
 * The main-thread side of a supervisor, whatever serves the jails. Events: 'message' (FromSupervisor),
 * 'exit' (it ended: every jail it served must die with it).
 */
export interface Supervisor extends EventEmitter {
  readonly mode: SupervisionMode;
  /** It has ended (an error, or its thread exited). */
  readonly gone: boolean;
  /** Sends a message (a listener's answer, a go, an exec ...). */
  send(msg: ToSupervisor): Promise<void>;
  /** Sends a request and waits for its 'done' (rejects with its error). */
  request(make: (request: number) => ToSupervisor): Promise<void>;
  /** Serves a jail once it has its emulation's handler module (rejects if it cannot load it). */
  add(jail: SupervisedJailSpec): Promise<void>;
  /**
   * The first half of add, before the jail's init exists: loads the emulation's handler module and makes
   * what the jail needs. Messages sent after it are taken after it (an attach need not wait for its done).
   */
  prepare(jail: PreparedJailSpec): Promise<void>;
  /** The second half: serves the prepared jail with what the launch made. */
  attach(jid: number, fds: LaunchedFds): Promise<void>;
  /** Keeps the process alive while jails run. */
  ref(): void;
  unref(): void;
  close(): Promise<void>;
}

/** How many shared parts no jail uses a supervisor thread keeps (a prewarmed start reuses them). */
const SHARED_IDLE = 4;

/** Which supervisor thread: the first serves everything, the second only notifications (see the worker). */
export type SupervisorRole = 'first' | 'second';

/** One supervisor thread: its worker, its message port and the pipe that wakes it from poll(2). */
class SupervisorThread {
  readonly worker: Worker;
  readonly port: MessagePort;
  private readonly wakeWrite: number;
  private readonly wakeByte = Buffer.from([1]);

  /** `peer`: the port between the two threads; `wakeFirst`: the first thread's wake pipe (for the second). */
  constructor(role: SupervisorRole, stopFlag: Int32Array, peer: MessagePort, wakeFirst: number) {
    const { port1, port2 } = new MessageChannel();
    const [wakeRead, wakeWrite] = pipe2();
    this.wakeWrite = wakeWrite;
    this.port = port1;
    this.worker = new Worker(workerScript, {
      workerData: { port: port2, wakeFd: wakeRead, stopFlag, role, peer, wakeFirst },
      transferList: [port2, peer],
    });
    this.worker.unref();
    port1.unref();
  }

  wakeFd(): number {
    return this.wakeWrite;
  }

  /**
   * Posts a message and wakes the thread, except for a jail's 'prepare': it is taken with the attach that
   * follows it (one wake-up). Woken at once, the thread would take a CPU from the launch going on meanwhile
   * (prewarmed starts on a loaded 2-CPU host, 3 interleaved runs of 40-50: to the command running 14.9 /
   * 13.3 / 15.2 ms against 15.5 / 15.1 / 18.0 woken, to exited 17.2 / 16.4 / 17.5 against 19.9 / 18.5 /
   * 19.7).
   */
  post(msg: ToSupervisor): void {
    this.port.postMessage(msg);
    if (msg.type !== 'prepare') this.wake();
  }

  wake(): void {
    try {
      write(this.wakeWrite, this.wakeByte);
    } catch {}
  }
}

/**
 * The main-thread side of the supervisor worker threads. One per process; it serves every jail of mode
 * 'worker' started here.
 * The first thread serves every jail; a jail whose notifications flood it is handed to a second thread
 * (started then, when the host allows two: see supervisorThreadCount), so that the other jails' calls
 * never wait behind it. The first thread alone reads the inits' channels, reaps and runs the requests.
 * Events: 'message' (FromSupervisor), 'exit' (a thread ended: every jail must die with it).
 */
export class WorkerSupervisor extends EventEmitter implements Supervisor {
  readonly mode = 'worker';
  private readonly first: SupervisorThread;
  private second?: SupervisorThread;
  private readonly threads: SupervisorThread[] = [];
  private readonly ready: Promise<void>;
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  /** The second thread's end of the channel to the first (its init messages), until it starts. */
  private readonly toFirst: MessagePort;
  /** The jails being served, as added (addresses kept current): what a second thread starts with. */
  private readonly served = new Map<number, Extract<ToSupervisor, { type: 'add' }>>();
  /**
   * The shared parts of prepared jails (see 'prepare'): ids by the identity of the objects they hold, the
   * jails using each (the first thread keeps a part while one does), and the ids the first thread has.
   */
  private readonly sharedIds = new Map<string, number>();
  private readonly sharedUsers = new Map<number, Set<number>>();
  private readonly sharedByJail = new Map<number, number>();
  /** Ids no jail uses, oldest first. */
  private readonly sharedIdle: number[] = [];
  private readonly objectIds = new WeakMap<object, number>();
  private objects = 0;

  private objectId(o: object | undefined): number {
    if (o === undefined) return 0;
    let id = this.objectIds.get(o);
    if (id === undefined) {
      id = ++this.objects;
      this.objectIds.set(o, id);
    }
    return id;
  }

  /** A prepare with its shared parts named by id (and sent along the first time the thread sees them). */
  private sharing(msg: Extract<ToSupervisor, { type: 'prepare' }>): ToSupervisor {
    const { handlers, program, notifyTable, notifyByCall, numbers, abis, errno, decision, argKinds, ...own } =
      msg.jail as PreparedJailSpec;
    const parts = { handlers, program, notifyTable, notifyByCall, numbers, abis, errno, decision, argKinds };
    const key = [
      handlers?.module ?? '',
      ...(handlers?.names ?? []),
      ...[
        program,
        notifyTable,
        notifyByCall,
        numbers,
        abis,
        errno,
        decision.program,
        decision.notifyTable,
        argKinds,
      ].map((o) => this.objectId(o)),
    ].join(' ');
    let id = this.sharedIds.get(key);
    const known = id !== undefined;
    if (id === undefined) {
      id = ++this.objects;
      this.sharedIds.set(key, id);
      this.sharedUsers.set(id, new Set());
    }
    const idle = this.sharedIdle.indexOf(id);
    if (idle >= 0) this.sharedIdle.splice(idle, 1);
    this.sharedUsers.get(id)?.add(own.jid);
    this.sharedByJail.set(own.jid, id);
    return { ...msg, jail: own, shared: known ? { id } : { id, parts } };
  }

  /**
   * The jail no longer uses its shared parts. Parts no jail uses are kept for the next jails (the last
   * SHARED_IDLE of them): returns the id of the oldest beyond those, for the thread to drop.
   */
  private unshare(jid: number): number | undefined {
    const id = this.sharedByJail.get(jid);
    if (id === undefined) return undefined;
    this.sharedByJail.delete(jid);
    const users = this.sharedUsers.get(id);
    users?.delete(jid);
    if (users && users.size > 0) return undefined;
    this.sharedIdle.push(id);
    if (this.sharedIdle.length <= SHARED_IDLE) return undefined;
    const oldest = this.sharedIdle.shift() as number;
    this.sharedUsers.delete(oldest);
    for (const [key, known] of this.sharedIds) if (known === oldest) this.sharedIds.delete(key);
    return oldest;
  }

  /** Jails the first thread forgot when it reaped their init ('reaped' retired): their fds, ours to close. */
  private readonly retired = new Map<number, readonly number[]>();

  private retire(jid: number): void {
    const add = this.served.get(jid);
    if (!add) return;
    // A second thread started from here on gets no copy of it.
    this.served.delete(jid);
    this.retired.set(jid, [add.jail.listenerFd, add.jail.controlFd, add.jail.initPidfd]);
  }

  private closeRetired(jid: number): void {
    const fds = this.retired.get(jid);
    if (!fds) return;
    this.retired.delete(jid);
    for (const fd of fds) {
      try {
        close(fd);
      } catch {}
    }
  }

  /** Jails prepared and not attached yet: the add each becomes once attached. */
  private readonly prepared = new Map<number, Extract<ToSupervisor, { type: 'prepare' }>>();
  /** A thread has ended (error or exit). */
  gone = false;
  /** Keeps the process alive (ref); a 'message' listener refs a port again: applied after each. */
  private referenced = false;

  constructor() {
    super();
    const { port1: toFirst, port2: fromSecond } = new MessageChannel();
    this.toFirst = toFirst;
    this.first = this.startThread('first', fromSecond, -1);
    this.ready = new Promise((resolve, reject) => {
      this.first.port.on('message', (msg: FromSupervisor) => {
        if (msg.type === 'ready') resolve();
      });
      this.first.worker.once('error', reject);
    });
    this.ready.catch(() => {});
    this.first.port.unref(); // the listener above ref'd it
    // The threads sleep in poll(2), where terminate() cannot reach them: wake them so that exit can join.
    process.once('exit', () => {
      Atomics.store(this.stopFlag, 0, 1);
      for (const t of this.threads) t.wake();
    });
  }

  private startThread(role: SupervisorRole, peer: MessagePort, wakeFirst: number): SupervisorThread {
    const t = new SupervisorThread(role, this.stopFlag, peer, wakeFirst);
    this.threads.push(t);
    t.port.on('message', (msg: FromSupervisor) => {
      if (msg.type === 'ready') return;
      if (msg.type === 'flooding') this.handOver(msg.jid);
      else {
        if (msg.type === 'reaped' && msg.retired) this.retire(msg.jid);
        this.emit('message', msg);
      }
    });
    t.worker.once('error', (e) => this.end(e));
    t.worker.once('exit', (code) => this.end(code));
    if (!this.referenced) t.port.unref();
    return t;
  }

  /** A jail floods the first thread: the second (started now if need be, with every jail) serves it. */
  private handOver(jid: number): void {
    if (this.gone || !this.served.has(jid)) return;
    if (!this.second) {
      if (supervisorThreadCount() < 2) return;
      this.second = this.startThread('second', this.toFirst, this.first.wakeFd());
      // Its copies of the jails: the dones of these adds go to nobody.
      for (const add of this.served.values()) this.second.post({ ...add, request: ++this.requests });
    }
    this.second.post({ type: 'serve', jid });
  }

  private end(why: unknown): void {
    if (this.gone) return;
    this.gone = true;
    this.emit('exit', why);
  }

  /** Sends a message to the thread it is for (a listener's answer: the thread that asked). */
  async send(msg: ToSupervisor): Promise<void> {
    await this.ready;
    if (this.gone) throw new Error('the supervisor thread is gone');
    if (msg.type === 'answer' && msg.ticket % 2 === 1) {
      this.second?.post(msg);
      return;
    }
    if (msg.type === 'stop') this.second?.post(msg);
    this.first.post(msg);
  }

  private requests = 0;

  /** Sends a request to one thread and waits for its 'done'. */
  private async requestOf(thread: SupervisorThread, make: (request: number) => ToSupervisor): Promise<void> {
    const request = ++this.requests;
    const done = doneOf(this, request, 'the supervisor thread is gone');
    await this.ready;
    if (this.gone) throw new Error('the supervisor thread is gone');
    thread.post(make(request));
    return done;
  }

  /**
   * Sends a request and waits for its 'done'. A jail's removal and changes reach the second thread (if it
   * runs) first: it stops serving the jail, or takes its new prison and policy, before the first acts; a
   * new jail reaches the first thread first.
   */
  async request(make: (request: number) => ToSupervisor): Promise<void> {
    const msg = make(0);
    if (msg.type === 'prepare') {
      // Only the first thread: a second one gets the whole jail (an add) once it is attached.
      const jail = msg.jail as PreparedJailSpec;
      this.prepared.set(jail.jid, { ...msg, jail });
      return this.requestOf(this.first, (request) => this.sharing({ ...msg, jail, request }));
    }
    if (msg.type === 'attach') {
      const prepared = this.prepared.get(msg.jid);
      this.prepared.delete(msg.jid);
      if (!prepared) return this.requestOf(this.first, make); // its done says so
      const { type: _, request: __, jid: ___, ...fds } = msg;
      const add = {
        type: 'add',
        request: 0,
        jail: { ...(prepared.jail as PreparedJailSpec), ...fds },
        claim: prepared.claim,
      } as const;
      this.served.set(msg.jid, add);
      if (!this.second) return this.requestOf(this.first, make);
      await this.requestOf(this.first, make);
      const second = this.second;
      return this.requestOf(second, (request) => ({ ...add, request }));
    }
    if (msg.type === 'remove') {
      const drop = this.unshare(msg.jid);
      if (drop !== undefined) {
        const removing = make;
        make = (request) => ({ ...(removing(request) as typeof msg), dropShared: drop });
      }
      if (this.retired.has(msg.jid) && (!this.second || this.gone)) {
        // The first thread forgot it already and no second one may serve it: nothing to wait for.
        this.prepared.delete(msg.jid);
        this.served.delete(msg.jid);
        this.closeRetired(msg.jid);
        if (drop !== undefined && !this.gone) this.requestOf(this.first, make).catch(() => {});
        return;
      }
      try {
        return await this.requestOfThreads(msg, make);
      } finally {
        this.closeRetired(msg.jid); // retired while the remove was on its way
      }
    }
    return this.requestOfThreads(msg, make);
  }

  /** The request's way through the threads: the first, and the second if it runs (see request). */
  private async requestOfThreads(msg: ToSupervisor, make: (request: number) => ToSupervisor): Promise<void> {
    if (msg.type === 'add') {
      this.served.set(msg.jail.jid, msg);
    } else if (msg.type === 'remove') {
      this.prepared.delete(msg.jid);
      this.served.delete(msg.jid);
    } else if (msg.type === 'change' || msg.type === 'policy') {
      const add = this.served.get(msg.jid);
      if (add) {
        const { prison } = add.jail;
        const jail =
          msg.type === 'policy'
            ? { ...add.jail, decision: msg.decision, prison: { ...prison, flags: msg.flags } }
            : {
                ...add.jail,
                prison: {
                  ...prison,
                  ...(msg.hostname === undefined ? {} : { hostname: msg.hostname }),
                  ...(msg.ipv4 ? { ipv4: msg.ipv4 } : {}),
                  ...(msg.ipv6 ? { ipv6: msg.ipv6 } : {}),
                },
              };
        this.served.set(msg.jid, { ...add, jail });
      }
    }
    const forBoth =
      msg.type === 'add' || msg.type === 'remove' || msg.type === 'change' || msg.type === 'policy';
    // A new jail reaches the first thread first.
    if (msg.type === 'add') await this.requestOf(this.first, make);
    if (this.second && forBoth) {
      const second = this.second;
      await this.requestOf(second, (request) =>
        msg.type === 'remove' ? { type: 'forget', jid: msg.jid, request } : { ...make(request), request },
      );
    }
    if (msg.type !== 'add') await this.requestOf(this.first, make);
  }

  /** Serves a jail once the threads have its emulation's handler module (rejects if they cannot load it). */
  add(jail: SupervisedJailSpec): Promise<void> {
    const claim = new SharedArrayBuffer(16);
    return this.request((request) => ({ type: 'add', request, jail, claim }));
  }

  prepare(jail: PreparedJailSpec): Promise<void> {
    const claim = new SharedArrayBuffer(16);
    return this.request((request) => ({ type: 'prepare', request, jail, claim }));
  }

  attach(jid: number, fds: LaunchedFds): Promise<void> {
    return this.request((request) => ({ type: 'attach', request, jid, ...fds }));
  }

  /** Keeps the process alive while jails run. */
  ref(): void {
    this.referenced = true;
    for (const t of this.threads) t.port.ref();
  }

  unref(): void {
    this.referenced = false;
    for (const t of this.threads) t.port.unref();
  }

  async close(): Promise<void> {
    await this.send({ type: 'stop' });
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
