// The launchers. The native one: clone3 into namespaces and a cgroup, the setup program run in the child
// by libsysjail-launch. The worker one: setup ops on a worker thread that then spawns the child.

export { describeSetupProgram, type LaunchedChild, launch, stdioFds } from './native-launcher.js';
export type { ChildExit, SetupOp, SetupOpName, SpawnRequest, StdioSpec } from './setup-op.js';
export { encodeSetupProgram, type LaunchRequest, RECORD_CODES } from './setup-program.js';
export { type SpawnedChild, SpawnerPool, type SpawnerPoolOptions } from './spawner-pool.js';
