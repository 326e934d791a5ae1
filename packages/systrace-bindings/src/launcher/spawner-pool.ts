// SpawnerPool: prewarmed worker threads, each serving one filtered/namespaced child.
import { promises as fsp } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { PoolClosedError, SetupOpError, SpawnError } from '../errors.js';
import type { FromWorker, ToWorker } from './messages.js';
import type { ChildExit, SpawnRequest } from './setup-op.js';

export interface SpawnedChild {
  /** The child's pid in this process's PID namespace. */
  pid: number;
  /** The seccomp listener fd (ours to close), if a seccomp op asked for SECCOMP_FILTER_FLAG_NEW_LISTENER. */
  listenerFd: number | undefined;
  /** The worker thread's tid (it carries the same namespaces and filter as the child). */
  workerTid: number;
  /**
   * Resolves when the child has exited and its worker is gone. Never settles for a released child
   * (its owner reaps it).
   */
  exited: Promise<ChildExit>;
  /**
   * Ends the worker thread while the child runs on: resolves true once the thread is gone (the child's
   * parent is then another thread of this process, and reaping it is the caller's), false if the child
   * had already exited (then `exited` settles as usual). The child's parent-death signal, if it has one,
   * fires when the thread exits: clear it first.
   */
  release(): Promise<boolean>;
}

export interface SpawnerPoolOptions {
  /** Idle workers kept ready (default 2). */
  size?: number;
  /** Start a new idle worker each time one is taken (default true; false for a one-jail process). */
  refill?: boolean;
}

/** dist/launcher/spawn-worker.js, also when this module runs from src/ (tests): workers need JS. */
function workerUrl(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts')
    ? new URL('../../dist/launcher/spawn-worker.js', here)
    : new URL('./spawn-worker.js', here);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function taskExists(tid: number): Promise<boolean> {
  try {
    await fsp.access(`/proc/self/task/${tid}`);
    return true;
  } catch {
    return false;
  }
}

let threadPoolStarted: Promise<unknown> | undefined;

/**
 * libuv's thread pool must exist before a worker unshares or chroots (its threads would not follow).
 * The first request submitted creates the pool's threads at once, from the submitting thread: this one.
 */
function startThreadPool(): Promise<unknown> {
  threadPoolStarted ??= fsp.stat('/');
  return threadPoolStarted;
}

/**
 * Resolves once the worker has loaded its modules: terminating a worker while it still loads koffi's
 * native module can bring the whole process down, so an idle worker is only handed out (or closed) ready.
 */
function newWorker(): Promise<Worker> {
  const w = new Worker(workerUrl());
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type !== 'ready') return;
      w.off('message', onMessage);
      w.unref(); // an idle worker does not keep the process alive; spawn() refs it again
      resolve(w);
    };
    w.on('message', onMessage);
    w.once('error', reject);
    w.once('exit', (code) => reject(new SpawnError(`spawner worker exited (${code}) before it was ready`)));
  });
}

export class SpawnerPool {
  readonly size: number;
  private readonly refills: boolean;
  private readonly idle: Promise<Worker>[] = [];
  private readonly busy = new Set<Worker>();
  private closed = false;
  private readonly ready: Promise<unknown>;

  constructor(options: SpawnerPoolOptions = {}) {
    this.size = options.size ?? 2;
    this.refills = options.refill ?? true;
    // The workers boot while this thread goes on (the pool threads exist once the stat is submitted).
    this.ready = startThreadPool();
    this.refill();
  }

  private refill(): void {
    while (!this.closed && this.idle.length < this.size) {
      const p = newWorker();
      p.catch(() => {}); // surfaced when taken
      this.idle.push(p);
    }
  }

  /**
   * Runs `request.setup` on a fresh worker thread, then spawns the command there. Rejects with a
   * SetupOpError (nothing spawned; the worker is discarded) or a SpawnError.
   */
  async spawn(request: SpawnRequest): Promise<SpawnedChild> {
    if (this.closed) throw new PoolClosedError();
    await this.ready;
    if (this.closed) throw new PoolClosedError();
    const taken = this.idle.shift() ?? newWorker();
    if (this.refills) this.refill();
    const worker = await taken;
    this.busy.add(worker);
    worker.ref();

    let settleExit!: (e: ChildExit) => void;
    let failExit!: (e: unknown) => void;
    const exited = new Promise<ChildExit>((res, rej) => {
      settleExit = res;
      failExit = rej;
    });
    exited.catch(() => {});

    let released = false;
    const workerGone = new Promise<void>((res) => worker.once('exit', () => res()));
    const release = async (): Promise<boolean> => {
      worker.postMessage({ type: 'release' } satisfies ToWorker);
      await workerGone;
      if (!released) return false;
      // The thread has been joined; the kernel reparents its children a moment later (exit_notify
      // comes after the tid is cleared): wait until the task is gone from /proc.
      for (let i = 0; i < 2000 && (await taskExists(tid)); i++) await sleep(1);
      return true;
    };
    let tid = 0;

    return new Promise<SpawnedChild>((resolve, reject) => {
      let spawned = false;
      let exit: ChildExit | undefined;
      const onMessage = (m: FromWorker) => {
        switch (m.type) {
          case 'setupFailed':
            reject(
              new SetupOpError(m.op, m.index, { syscall: m.syscall, errno: m.errno, message: m.message }),
            );
            return;
          case 'spawnFailed':
            reject(new SpawnError(`spawn ${request.command}: ${m.message}`, m.errnoName));
            return;
          case 'spawned':
            spawned = true;
            tid = m.tid;
            resolve({ pid: m.pid, listenerFd: m.listenerFd, workerTid: m.tid, exited, release });
            return;
          case 'exited':
            exit = { code: m.code, signal: m.signal };
            return;
          case 'released':
            released = true;
            return;
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (e) => {
        const err = new SpawnError(`spawner worker failed: ${e.message}`, undefined, { cause: e });
        if (!spawned) reject(err);
        failExit(err);
      });
      worker.once('exit', () => {
        this.busy.delete(worker);
        if (exit) settleExit(exit);
        else if (released) return;
        else {
          const err = new SpawnError('spawner worker exited before its child');
          if (!spawned) reject(err);
          failExit(err);
        }
      });
      worker.postMessage({ type: 'spawn', request } satisfies ToWorker);
    });
  }

  /** Stops the idle workers; running children keep their workers until they exit. */
  /** Resolves once every idle worker is ready (for a caller that counts threads or fds). */
  async settled(): Promise<void> {
    await this.ready.catch(() => {});
    await Promise.all(this.idle.map((p) => p.catch(() => {})));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready.catch(() => {});
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((p) => p.then((w) => w.terminate()).catch(() => {})));
  }
}
