import { readFileSync } from 'node:fs';

/**
 * The host pid of the jail's process `jailPid`, found among the jail's cgroup members by the innermost
 * NSpid. Race-free while the process is not yet reaped (its pid cannot be reused before that).
 */
export function hostPidOf(cgroupProcs: string, jailPid: number): number | undefined {
  let procs: string;
  try {
    procs = readFileSync(cgroupProcs, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of procs.split('\n')) {
    const pid = Number(line);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      const m = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const ids = m?.[1].trim().split(/\s+/).map(Number) ?? [];
      if (ids.length > 1 && ids[ids.length - 1] === jailPid) return pid;
    } catch {}
  }
  return undefined;
}
