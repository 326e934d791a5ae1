import { readFileSync } from 'node:fs';

/**
 * A process's start time, in clock ticks since boot (/proc/<pid>/stat field 22), or undefined if there
 * is no such process or it is a zombie. A pid whose start time changed has been reused.
 */
export function processStartTime(pid: number): number | undefined {
  if (pid === process.pid && ownStartTime !== undefined) return ownStartTime;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses: the fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  const start = Number(fields[19]);
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
