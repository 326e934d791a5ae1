// Resource limits (rctl): rules, where controllers live, the jail's controller cgroups.
export type { Controller, ControllerLayout, ControllerPlace } from './cgroup-controllers.js';
export { controllerLayout } from './cgroup-controllers.js';
export type { AppliedLimits, JailLimit } from './jail-limits.js';
export { hostControllerLayout, reapplyLimits, rulesForJail } from './jail-limits.js';
export type { LimitCgroups } from './limit-cgroups.js';
export { cpuUsageMicros, instantUsage, ioCounters } from './limit-cgroups.js';
export type { RctlFilter, RctlResource, RctlRule, RctlUnit } from './rctl-rule.js';
export {
  effectiveRules,
  formatRctlRule,
  humanAmount,
  matchesFilter,
  parseAmount,
  parseRctlFilter,
  parseRctlRule,
  rctlResources,
  ruleApplies,
} from './rctl-rule.js';
export type { RctlStore } from './rctl-store.js';
export { openRctlStore, parseRctlConf, rctlConfPath, readRctlConf } from './rctl-store.js';
