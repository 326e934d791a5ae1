// Mechanism behind @sysjail/core's API, for the repository's own tools and tests: no stability promise.
export type { FilterOp } from './filter/index.js';
export { assembleFilter, encodeFilter } from './filter/index.js';
export { compilerSourceFiles, emulationTablesText } from './jail/filter-cache.js';
export { type StackOptions, stackFilter } from './jail/stack-filter.js';
export * from './jexec/index.js';
export { type JailPolicies, jailPolicies } from './listen/jail-policy.js';
export * from './net/index.js';
export { hostPidOf } from './process/host-pid.js';
export * from './registry/index.js';
export {
  alive,
  allJailCgroups,
  CGROUP_PARENT,
  cgroupProcs,
  cgroupsOf,
  eventually,
  mountsUnder,
} from './testing/host-state.js';
export { requestAsUser } from './testing/peer-as-user.js';
