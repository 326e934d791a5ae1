// A seccomp filter's 32-bit return value, split and named as __seccomp_filter reads it.
import {
  MAX_ERRNO,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from './constants.js';

export type SeccompActionName =
  | 'KILL_PROCESS'
  | 'KILL_THREAD'
  | 'TRAP'
  | 'ERRNO'
  | 'USER_NOTIF'
  | 'TRACE'
  | 'LOG'
  | 'ALLOW';

export interface SeccompAction {
  /** The action; a value the kernel does not know acts as KILL_PROCESS. */
  readonly action: SeccompActionName;
  /** SECCOMP_RET_DATA bits (errno, trap or trace data). */
  readonly data: number;
  /** Whether the action bits were one the kernel knows. */
  readonly known: boolean;
}

const names = new Map<number, SeccompActionName>([
  [SECCOMP_RET_KILL_PROCESS, 'KILL_PROCESS'],
  [SECCOMP_RET_KILL_THREAD, 'KILL_THREAD'],
  [SECCOMP_RET_TRAP, 'TRAP'],
  [SECCOMP_RET_ERRNO, 'ERRNO'],
  [SECCOMP_RET_USER_NOTIF, 'USER_NOTIF'],
  [SECCOMP_RET_TRACE, 'TRACE'],
  [SECCOMP_RET_LOG, 'LOG'],
  [SECCOMP_RET_ALLOW, 'ALLOW'],
]);

export function seccompAction(ret: number): SeccompAction {
  const name = names.get((ret & SECCOMP_RET_ACTION_FULL) >>> 0);
  return { action: name ?? 'KILL_PROCESS', data: ret & SECCOMP_RET_DATA, known: name !== undefined };
}

/** The errno a SECCOMP_RET_ERRNO return makes the call fail with (data capped at MAX_ERRNO; 0 is success). */
export function seccompErrno(ret: number): number {
  return Math.min(ret & SECCOMP_RET_DATA, MAX_ERRNO);
}

/** 'ALLOW', 'ERRNO(1)', 'TRACE(7)', 'KILL_PROCESS', ... as seccomp-tools prints returns. */
export function formatSeccompAction(ret: number): string {
  const { action, data, known } = seccompAction(ret);
  if (!known) return `0x${(ret >>> 0).toString(16).padStart(8, '0')}`;
  if (action === 'ERRNO' || action === 'TRAP' || action === 'TRACE' || data !== 0)
    return `${action}(${data})`;
  return action;
}
