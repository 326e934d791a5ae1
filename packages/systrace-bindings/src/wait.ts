// waitid(2) and the child status it reports.
import { syscall5 } from './syscall.js';
import { sysno } from './sysno.js';

export const P_ALL = 0;
export const P_PID = 1;
export const P_PGID = 2;
export const P_PIDFD = 3;

export const WNOHANG = 0x1;
export const WSTOPPED = 0x2;
export const WEXITED = 0x4;
export const WCONTINUED = 0x8;
export const WNOWAIT = 0x01000000;
export const __WALL = 0x40000000;

export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_TRAPPED = 4;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

/** What waitid filled in; pid 0 with WNOHANG means no child changed state. */
export interface WaitidResult {
  pid: number;
  /** CLD_EXITED, CLD_KILLED ... */
  code: number;
  /** exit status for CLD_EXITED, signal number otherwise. */
  status: number;
}

/** waitid(2); idtype P_PID/P_PIDFD/P_ALL; options default WEXITED. */
export function waitid(idtype: number, id: number, options = WEXITED): WaitidResult {
  const info = Buffer.alloc(128);
  syscall5(sysno.waitid, idtype, id, info, options, null);
  // siginfo_t for SIGCHLD: si_signo@0 si_errno@4 si_code@8, si_pid@16 si_uid@20 si_status@24
  return { pid: info.readInt32LE(16), code: info.readInt32LE(8), status: info.readInt32LE(24) };
}
