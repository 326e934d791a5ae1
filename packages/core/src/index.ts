// The public API of @sysjail/core. Mechanism (eBPF programs, cgroups, locks, the jexec server, the filter
// assembler) is in '@sysjail/core/internals'.
export type { Architecture } from './arch.js';
export { type BinfmtRule, type Emulation, LOADER_STATUS_ADDRESS } from './emulation.js';
export {
  JailFileError,
  JailPathError,
  JailSetupError,
  LimitError,
  NoEmulationError,
  PolicyError,
  PrisonConfigError,
  RctlRuleError,
  SysjailError,
} from './errors.js';
export type { CompiledFilter, CompileOptions, NotifyEntry } from './filter/compile.js';
export { compileFilter } from './filter/compile.js';
export type {
  ExplainedAbi,
  ExplainedCall,
  ExplainedRule,
  ExplainOptions,
  PolicyExplanation,
} from './filter/explain.js';
export {
  argTestsText,
  decisionText,
  explainPolicy,
  formatPolicyExplanation,
} from './filter/explain.js';
export { prewarm, settled } from './jail/engine.js';
export type { JailMount } from './jail/jail-mounts.js';
export { checkJailMount, parseFstab, parseFstabLine } from './jail/jail-mounts.js';
export type { JailOptions } from './jail/jail-options.js';
export { jailPasswdEntry, LOGIN_PATH, loginEnvironment } from './jail/login-environment.js';
export type { PathExposure } from './jail/path-exposure.js';
export { exposureMessage, jailPathExposure } from './jail/path-exposure.js';
export type { Jail, JailChange, JailCounters, JailExit } from './jail/running-jail.js';
export type { StackResult } from './jail/stack-filter.js';
export { jailEnvironment, startJail } from './jail/start-jail.js';
export { START_TRACE_CHANNEL, type StartStage } from './jail/start-trace.js';
export type { UndoFailure } from './jail/teardown.js';
export {
  JexecError,
  JexecRefusedError,
  JexecUnavailableError,
  JexecUnknownUserError,
} from './jexec/errors.js';
export type { ExecInJailOptions, JailExec, JailExecExit } from './jexec/exec-in-jail.js';
export { execInJail } from './jexec/exec-in-jail.js';
export { PASSWD_MAX_BYTES, readPasswd } from './jexec/passwd-user.js';
export * from './limits/index.js';
export type { ChangeableFlag, ChangeableRuleSet } from './listen/jail-policy.js';
export { changeableFlags } from './listen/jail-policy.js';
export type {
  ListenedArg,
  ListenedCall,
  ListenedSockaddr,
  Listener,
  ListenerAnswer,
} from './listen/listener.js';
export { emulate } from './listen/listener.js';
export type { SubPolicy } from './listen/sub-policy.js';
export type { IpAddress, IpFamily } from './net/ip-address.js';
export { parseIpAddress } from './net/ip-address.js';
export type { ArgTest, Decision, Policy, Rule } from './policy.js';
export { allow, deny, kill, notify } from './policy.js';
export type { Prison, PrisonFlags } from './prison.js';
export { defaultPrisonFlags } from './prison.js';
export { decodeWaitStatus } from './process/wait-status.js';
export {
  BadJailRecordError,
  JailNameInUseError,
  JailRecordNotFoundError,
  NoFreeJidError,
  RegistryError,
  RegistryLockTimeoutError,
} from './registry/errors.js';
export type { JailCountersFile } from './registry/jail-counters.js';
export { readJailCounters, writeJailCounters } from './registry/jail-counters.js';
export type { JailRecord, JailRecordPatch, NewJailRecord } from './registry/jail-record.js';
export { isSameProcess, processStartTime } from './registry/process-start-time.js';
export type { Registry } from './registry/registry.js';
export { isLive, JID_MAX, openRegistry } from './registry/registry.js';
export { countersDir, defaultRegistryDir, sysjailRunDir } from './registry/run-dir.js';
export { JailRoot } from './root/root-files.js';
export type { TerminalMode } from './stdio/index.js';
export type {
  CopiedSockaddr,
  EmulationHandlers,
  Handler,
  HandlerContext,
  HandlerModule,
  HostRlimit,
  NotifiedCall,
  Reply,
} from './supervisor/handler-context.js';
export type { AuditRecord } from './supervisor/protocol.js';
export type { SupervisionMode } from './supervisor/supervisor.js';
export type { ArgKind, SyscallClass, SyscallEntry, SyscallTable } from './syscall-table.js';
export { syscallByName, syscallByNumber } from './syscall-table.js';
