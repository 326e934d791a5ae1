// Messages between a SpawnerPool and its worker threads (structured-clone data only).
import type { ChildExit, SpawnRequest } from './setup-op.js';

export type ToWorker =
  | { type: 'spawn'; request: SpawnRequest }
  /** Stop watching the child and end the thread; the child lives on, the pool's owner reaps it. */
  | { type: 'release' };

export type FromWorker =
  /** The worker has loaded its modules (koffi included) and waits for a request. */
  | { type: 'ready' }
  | {
      type: 'setupFailed';
      op: string;
      index: number;
      syscall?: string;
      errno?: number;
      message?: string;
    }
  | { type: 'spawnFailed'; message: string; errnoName?: string }
  | { type: 'spawned'; pid: number; listenerFd?: number; tid: number }
  | ({ type: 'exited' } & ChildExit)
  /** The worker let go of its child (which still ran) and is ending. */
  | { type: 'released' };
