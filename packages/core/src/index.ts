export type { Architecture } from './arch.js';
export { type Emulation, LOADER_STATUS_ADDRESS } from './emulation.js';
export {
  JailSetupError,
  LimitError,
  NoEmulationError,
  PolicyError,
  PrisonConfigError,
  RctlRuleError,
  SysjailError,
} from './errors.js';
export type { CompiledFilter, CompileOptions, FilterOp, NotifyEntry } from './filter/index.js';
export { assembleFilter, compileFilter, encodeFilter } from './filter/index.js';
export type { JailMount } from './jail/jail-mounts.js';
export { checkJailMount, parseFstab, parseFstabLine } from './jail/jail-mounts.js';
export type { Jail, JailCounters, JailExit, JailOptions } from './jail/start-jail.js';
export { jailEnvironment, prewarm, settled, startJail } from './jail/start-jail.js';
export * from './jexec/index.js';
export * from './limits/index.js';
export * from './net/index.js';
export type { ArgTest, Decision, Policy, Rule } from './policy.js';
export { allow, deny, kill, notify } from './policy.js';
export type { Prison, PrisonFlags } from './prison.js';
export { defaultPrisonFlags } from './prison.js';
export * from './registry/index.js';
export type { AuditRecord } from './supervisor/protocol.js';
export type { ArgKind, SyscallClass, SyscallEntry, SyscallTable } from './syscall-table.js';
export { syscallByName, syscallByNumber } from './syscall-table.js';
