// The supervisor in the event loop of the thread that starts the jails: no worker thread, no second V8
// isolate. poll(2) on the jails' listeners, init channels and pidfds waits on libuv's thread pool (one
// pool thread while any jail is served); when it returns, the turn (receive → decide → reply, init
// messages) runs here, one notification per jail per turn, then the next poll goes back to the pool, so
// that the other work of this loop (the stdio relay, listeners, timers) runs between two turns and a turn
// waits at most for the callbacks queued before it.
import { EventEmitter } from 'node:events';
import { close, O_CLOEXEC, O_NONBLOCK, pipe2, pollAsync, write } from '@sysjail/systrace-bindings';
import type { FromSupervisor, SupervisedJailSpec, ToSupervisor } from './protocol.js';
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
  private requests = 0;

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

  /** Takes a message between two turns; the poll is woken when the fds it waits on change. */
  private async take(msg: ToSupervisor): Promise<void> {
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
      return;
    }
    if (msg.type === 'add' || msg.type === 'remove' || msg.type === 'released') {
      if (this.polling) this.wake();
      else if (serving()) void this.loop();
    }
  }

  private end(why: unknown): void {
    if (this.gone) return;
    this.gone = true;
    this.wake();
    forgetAll();
    made = false; // the thread's next start gets a new one
    this.emit('exit', why);
  }

  send(msg: ToSupervisor): Promise<void> {
    return this.take(msg);
  }

  async request(make: (request: number) => ToSupervisor): Promise<void> {
    const request = ++this.requests;
    const done = new Promise<void>((resolve, reject) => {
      const settle = () => {
        this.off('message', onMessage);
        this.off('exit', onExit);
      };
      const onMessage = (msg: FromSupervisor) => {
        if (msg.type !== 'done' || msg.request !== request) return;
        settle();
        if (msg.error) reject(new Error(msg.error));
        else resolve();
      };
      const onExit = () => {
        settle();
        reject(new Error('the supervisor is gone'));
      };
      this.on('message', onMessage);
      this.on('exit', onExit);
    });
    done.catch(() => {});
    await this.take(make(request));
    return done;
  }

  add(jail: SupervisedJailSpec): Promise<void> {
    const claim = new SharedArrayBuffer(16);
    return this.request((request) => ({ type: 'add', request, jail, claim }));
  }

  /** The poll waiting on the pool keeps the loop alive while a jail is served: nothing more to hold. */
  ref(): void {}

  unref(): void {}

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
