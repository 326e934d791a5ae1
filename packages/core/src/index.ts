export type { Architecture } from './arch.js';
export type { Emulation } from './emulation.js';
export { allow, deny, kill, notify } from './policy.js';
export type { ArgTest, Decision, Policy, Rule } from './policy.js';
export { defaultPrisonFlags } from './prison.js';
export type { Prison, PrisonFlags } from './prison.js';
export { syscallByName, syscallByNumber } from './syscall-table.js';
export type { ArgKind, SyscallClass, SyscallEntry, SyscallTable } from './syscall-table.js';
export * from './registry/index.js';
