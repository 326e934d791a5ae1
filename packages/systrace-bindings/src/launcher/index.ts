// The filtered-spawn launcher: setup ops run on a worker thread that then spawns the child.
export { SpawnerPool, type SpawnedChild, type SpawnerPoolOptions } from './spawner-pool.js';
export type { ChildExit, SetupOp, SetupOpName, SpawnRequest, StdioSpec } from './setup-op.js';
