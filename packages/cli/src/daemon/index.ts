export {
  modifyBackgroundJail,
  removeBackgroundJail,
  type SupervisorStatus,
  startBackgroundJail,
  supervisorSocketOf,
  supervisorStatus,
} from './background-jail.js';
export type { BackgroundJailOptions, JailChange, JailEnd, SupervisedJailStatus } from './protocol.js';
export { DEFAULT_STOP_TIMEOUT_MS } from './supervisor-daemon.js';
