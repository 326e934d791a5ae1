// The filtered-spawn launcher: setup ops run on a worker thread that then spawns the child.

export type { ChildExit, SetupOp, SetupOpName, SpawnRequest, StdioSpec } from './setup-op.js';
export { type SpawnedChild, SpawnerPool, type SpawnerPoolOptions } from './spawner-pool.js';
