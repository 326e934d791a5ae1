// The supervisor in the event loop of the thread that starts the jails: no worker thread, no second V8
// isolate. On the main thread, the jails' listeners, init channels and released inits' pidfds are
// watched by libuv itself (poll handles of Node's loop: a notification wakes this thread directly); on
// another thread, poll(2) waits on libuv's thread pool (one pool thread while any jail is served). When
// one is ready, a turn (receive → decide → reply, init messages) runs here, one notification per jail per
// turn, so that the other work of this loop (the stdio relay, listeners, timers) runs between two turns
// and a turn waits at most for the callbacks queued before it.
import { EventEmitter } from 'node:events';
import {
  canWatchFds,
  close,
  O_CLOEXEC,
  O_NONBLOCK,
  pipe2,
  poll,
  pollAsync,
  type Watch,
  watchReadable,
  write,
} from '@sysjail/systrace-bindings';
import {
  doneOf,
  type FromSupervisor,
  type LaunchedFds,
  type PreparedJailSpec,
  type SupervisedJailSpec,
  type ToSupervisor,
} from './protocol.js';
import type { Supervisor } from './supervisor.js';
import { afterPoll, configureCore, forgetAll, plan, serving, take } from './supervisor-core.js';

/** The longest a poll waits on the pool: one left waiting would hold up the process's exit. */
const MAX_WAIT_MS = 1000;

let made = false;

/** The in-thread supervisor: one per thread that starts jails with supervision 'thread'. */
export class InThreadSupervisor extends EventEmitter implements Supervisor {
  readonly mode = 'thread';
  gone = false;
  private stopped = false;
  /** A poll loop runs (it ends when no jail is left). */
  private polling = false;
  private readonly wakeRead: number;
  private readonly wakeWrite: number;
  private readonly wakeByte = Buffer.from([1]);
  /** Messages of the current turn: delivered once it is done, never from inside it. */
  private readonly outbox: FromSupervisor[] = [];
  private delivering = false;
  private deliverSoon = false;
  private requests = 0;
  /** Main thread: the fds watched in the loop, and the timer of the listeners' deadlines. */
  private readonly watched = new Map<number, Watch>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inLoop = canWatchFds();

  constructor() {
    super();
    if (made) throw new Error('one in-thread supervisor per thread');
    made = true;
    [this.wakeRead, this.wakeWrite] = pipe2(O_CLOEXEC | O_NONBLOCK);
    configureCore({
      role: 'first',
      post: (msg) => this.outbox.push(msg),
      wakeFd: this.wakeRead,
      handOver: false,
      closing: (fds) => {
        for (const fd of fds) this.unwatch(fd);
      },
    });
    process.once('exit', () => {
      this.stopped = true;
      this.wake();
    });
  }

  private wake(): void {
    try {
      write(this.wakeWrite, this.wakeByte);
    } catch {} // full of wake-ups already
  }

  /** Delivers the messages of a turn (a listener's answer given at once lands in a later one). */
  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let msg = this.outbox.shift(); msg; msg = this.outbox.shift()) this.emit('message', msg);
    } finally {
      this.delivering = false;
    }
  }

  /**
   * Main thread: a turn, when a watched fd is ready or a deadline is due (in libuv's poll phase or a
   * timer): the fds of the plan polled without waiting, served, then the watches made to match the next
   * plan. Messages go out from an immediate (a callback scope of Node's, which runs the microtasks).
   */
  private turn(): void {
    if (this.stopped || this.gone) return;
    try {
      const p = plan();
      afterPoll(p, poll(p.fds, 0));
      this.sync();
    } catch (e) {
      this.end(e);
    }
    if (this.outbox.length > 0 && !this.deliverSoon) {
      this.deliverSoon = true;
      setImmediate(() => {
        this.deliverSoon = false;
        this.deliver();
      });
    }
  }

  private readonly onReady = () => this.turn();

  /** Main thread: watches exactly the fds of the next plan; a timer for its listeners' deadline. */
  private sync(): void {
    const want = new Set<number>();
    let timeoutMs = 1000;
    if (!this.stopped && !this.gone && serving()) {
      const p = plan();
      for (let i = 1; i < p.fds.length; i++) want.add(p.fds[i].fd);
      timeoutMs = p.timeoutMs;
    }
    for (const fd of [...this.watched.keys()]) if (!want.has(fd)) this.unwatch(fd);
    for (const fd of want) {
      if (!this.watched.has(fd)) this.watched.set(fd, watchReadable(fd, this.onReady));
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (want.size > 0) {
      // A listener's deadline (or a look each second); it keeps nothing alive by itself.
      this.timer = setTimeout(this.onReady, Math.max(0, timeoutMs));
      this.timer.unref();
    }
  }

  private unwatch(fd: number): void {
    this.watched.get(fd)?.stop();
    this.watched.delete(fd);
  }

  /** Another thread than the main one: poll(2) waiting on libuv's pool, until no jail is left. */
  private async loop(): Promise<void> {
    this.polling = true;
    try {
      while (!this.stopped && !this.gone && serving()) {
        const p = plan();
        const revents = await pollAsync(p.fds, Math.min(p.timeoutMs, MAX_WAIT_MS));
        if (this.stopped || this.gone) break;
        afterPoll(p, revents);
        this.deliver();
      }
    } catch (e) {
      this.end(e);
    } finally {
      this.polling = false;
    }
  }

  /** The message being taken, while one waits (an emulation's handler module loading): the next wait for it. */
  private tail: Promise<void> | undefined;

  /**
   * Takes messages in the order they are sent: one sent while another waits (a 'prepare' loading its
   * handler module) is taken after it; otherwise at once.
   */
  private take(msg: ToSupervisor): Promise<void> {
    const taken = this.tail ? this.tail.then(() => this.takeOne(msg)) : this.takeOne(msg);
    const tail = taken.catch(() => {});
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = undefined;
    });
    return taken;
  }

  /** Takes a message between two turns; the poll is woken when the fds it waits on change. */
  private async takeOne(msg: ToSupervisor): Promise<void> {
    if (this.gone || this.stopped) throw new Error('the supervisor is gone');
    let goOn: boolean;
    try {
      goOn = await take(msg);
    } catch (e) {
      this.end(e);
      throw e;
    } finally {
      this.deliver();
    }
    if (!goOn) {
      this.stopped = true;
      this.wake();
      if (this.inLoop) this.sync();
      return;
    }
    if (this.inLoop) {
      try {
        this.sync();
      } catch (e) {
        this.end(e);
      }
    } else if (
      msg.type === 'attach' ||
      msg.type === 'add' ||
      msg.type === 'remove' ||
      msg.type === 'released'
    ) {
      if (this.polling) this.wake();
      else if (serving()) void this.loop();
    }
  }

  private end(why: unknown): void {
    if (this.gone) return;
    this.gone = true;
    this.wake();
    this.unref();
    forgetAll();
    if (this.inLoop) {
      for (const fd of [...this.watched.keys()]) this.unwatch(fd);
      if (this.timer) clearTimeout(this.timer);
    }
    made = false; // the thread's next start gets a new one
    this.emit('exit', why);
  }

  send(msg: ToSupervisor): Promise<void> {
    return this.take(msg);
  }

  async request(make: (request: number) => ToSupervisor): Promise<void> {
    const request = ++this.requests;
    const done = doneOf(this, request, 'the supervisor is gone');
    done.catch(() => {});
    await this.take(make(request));
    return done;
  }

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

  /** While a jail starts: the watches (or the poll on the pool) keep the loop alive once it is served. */
  private keepAlive: NodeJS.Timeout | undefined;

  /** Keeps the process alive (a start in progress waits for this supervisor's answers). */
  ref(): void {
    this.keepAlive ??= setInterval(() => {}, 1 << 30);
  }

  unref(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  async close(): Promise<void> {
    if (!this.gone) await this.take({ type: 'stop' });
    if (!this.polling) {
      try {
        close(this.wakeRead);
        close(this.wakeWrite);
      } catch {}
    }
  }
}
