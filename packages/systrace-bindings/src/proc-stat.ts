// /proc/<pid>/stat (proc(5)), read by the tools that follow processes: their state, parent, start time.
import { readFileSync } from 'node:fs';

/**
 * The fields of a /proc/<pid>/stat text from field 3 (the state) on, as proc(5) numbers them less 3:
 * counted after the last ')', since the command name (field 2) may hold spaces and parentheses.
 */
export function statFieldsOf(text: string): string[] {
  const close = text.lastIndexOf(')');
  return close < 0
    ? []
    : text
        .slice(close + 1)
        .trim()
        .split(/\s+/);
}

export interface ProcStat {
  /** R, S, D, Z, X, ... */
  readonly state: string;
  readonly ppid: number;
  /** Clock ticks after boot: with the pid, names one process (a reused pid has another). */
  readonly startTime: number;
}

/** A process's /proc/<pid>/stat, or undefined when there is no such process (or it cannot be read). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const f = statFieldsOf(text);
  if (f.length < 20) return undefined;
  return { state: f[0], ppid: Number(f[1]), startTime: Number(f[19]) };
}
