import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { pipe2, write } from '@sysjail/systrace-bindings';
import type { FromSupervisor, SupervisedJailSpec, ToSupervisor } from './protocol.js';

const workerScript = fileURLToPath(new URL('../../dist/supervisor/supervisor-worker.js', import.meta.url));

/**
 * The main-thread side of the supervisor thread. One per process; it serves every jail started here.
 * Events: 'message' (FromSupervisor), 'exit' (the thread ended: every jail must die with it).
 */
export class Supervisor extends EventEmitter {
  private readonly worker: Worker;
  private readonly port: MessageChannel['port1'];
  private readonly wakeWrite: number;
  private readonly ready: Promise<void>;
  private readonly wakeByte = Buffer.from([1]);
  /** The thread has ended (error or exit). */
  gone = false;

  constructor() {
    super();
    const { port1, port2 } = new MessageChannel();
    const [wakeRead, wakeWrite] = pipe2();
    this.wakeWrite = wakeWrite;
    this.port = port1;
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    this.worker = new Worker(workerScript, {
      workerData: { port: port2, wakeFd: wakeRead, stopFlag },
      transferList: [port2],
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (msg: FromSupervisor) => {
        if (msg.type === 'ready') resolve();
        this.emit('message', msg);
      };
      port1.on('message', onMessage);
      this.worker.once('error', (e) => {
        reject(e);
        this.gone = true;
        this.emit('exit', e);
      });
      this.worker.once('exit', (code) => {
        if (this.gone) return;
        this.gone = true;
        this.emit('exit', code);
      });
    });
    this.worker.unref();
    port1.unref();
    // The thread sleeps in poll(2), where terminate() cannot reach it: wake it so that exit can join it.
    process.once('exit', () => {
      Atomics.store(stopFlag, 0, 1);
      try {
        write(wakeWrite, this.wakeByte);
      } catch {}
    });
  }

  async send(msg: ToSupervisor): Promise<void> {
    await this.ready;
    if (this.gone) throw new Error('the supervisor thread is gone');
    this.port.postMessage(msg);
    write(this.wakeWrite, this.wakeByte);
  }

  private requests = 0;

  /** Sends a request and waits for its 'done'. */
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
        reject(new Error('the supervisor thread is gone'));
      };
      this.on('message', onMessage);
      this.on('exit', onExit);
    });
    await this.send(make(request));
    return done;
  }

  /** Serves a jail once the thread has its emulation's handler module (rejects if it cannot load it). */
  add(jail: SupervisedJailSpec): Promise<void> {
    return this.request((request) => ({ type: 'add', request, jail }));
  }

  /** Keeps the process alive while jails run. */
  ref(): void {
    this.port.ref();
  }

  unref(): void {
    this.port.unref();
  }

  async close(): Promise<void> {
    await this.send({ type: 'stop' });
    await this.worker.terminate();
  }
}
