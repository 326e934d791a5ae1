// Messages between a SpawnerPool and its worker threads (structured-clone data only).
import type { ChildExit, SpawnRequest } from './setup-op.js';

export type ToWorker = { type: 'spawn'; request: SpawnRequest };

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
  | ({ type: 'exited' } & ChildExit);
