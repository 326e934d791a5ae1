import { readProcStat } from '@sysjail/systrace-bindings';

/**
 * A process's start time, in clock ticks since boot (/proc/<pid>/stat field 22), or undefined if there
 * is no such process or it is a zombie. A pid whose start time changed has been reused.
 */
export function processStartTime(pid: number): number | undefined {
  if (pid === process.pid && ownStartTime !== undefined) return ownStartTime;
  const stat = readProcStat(pid);
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return undefined;
  const start = stat.startTime;
  if (!Number.isFinite(start)) return undefined;
  if (pid === process.pid) ownStartTime = start;
  return start;
}

/** This process's start time, once read (it does not change while the process runs). */
let ownStartTime: number | undefined;

/** True if `pid` is alive and, when `startTime` is given, is still the process that started then. */
export function isSameProcess(pid: number, startTime?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = processStartTime(pid);
  if (now === undefined) return false;
  return startTime === undefined || now === startTime;
}
