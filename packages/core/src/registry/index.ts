export {
  BadJailRecordError,
  JailNameInUseError,
  JailRecordNotFoundError,
  NoFreeJidError,
  RegistryError,
  RegistryLockTimeoutError,
} from './errors.js';
export type { JailCountersFile } from './jail-counters.js';
export { readJailCounters, writeJailCounters } from './jail-counters.js';
export type { JailRecord, JailRecordPatch, NewJailRecord } from './jail-record.js';
export { withLockFile } from './lock-file.js';
export { isSameProcess, processStartTime } from './process-start-time.js';
export type { Registry } from './registry.js';
export { isLive, JID_MAX, openRegistry } from './registry.js';
export { countersDir, defaultRegistryDir, sysjailRunDir } from './run-dir.js';
