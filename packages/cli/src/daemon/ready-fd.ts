/** Set in the environment of a starting supervisor: the fd on which it says "ready" (or "running"). */
export const READY_FD_ENV = 'SYSJAIL_SUPERVISOR_READY_FD';
