import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess, type JailRecord, readJailCounters } from '@sysjail/core';
import { loaderStatus } from './loader-status.js';
import type { JailStatus } from './sjls-format.js';

/** The number of processes in the jail: its cgroup's members, else those in its init's PID namespace. */
export function countJailProcesses(r: JailRecord): number | undefined {
  if (r.cgroupPath) {
    try {
      return readFileSync(join(r.cgroupPath, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).length;
    } catch {}
  }
  if (r.initPid === undefined || !isSameProcess(r.initPid, r.initStartTime)) return undefined;
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${r.initPid}/ns/pid`);
  } catch {
    return undefined;
  }
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === ns) n++;
    } catch {}
  }
  return n;
}

/** The jail's processes (host pids, from its cgroup) with what their loaders publish. */
export function jailPrograms(r: JailRecord): JailStatus['programs'] {
  if (!r.cgroupPath) return undefined;
  let pids: number[];
  try {
    pids = readFileSync(join(r.cgroupPath, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return undefined;
  }
  return pids.sort((a, b) => a - b).map(loaderStatus);
}

/** A record with what the live system says about it (with `programs`: each process's emulation). */
export function jailStatus(r: JailRecord, options: { programs?: boolean } = {}): JailStatus {
  const programs = options.programs ? jailPrograms(r) : undefined;
  const processes = countJailProcesses(r);
  const counters = r.countersPath ? readJailCounters(r.countersPath) : undefined;
  return {
    record: r,
    ...(processes === undefined ? {} : { processes }),
    ...(counters === undefined ? {} : { counters }),
    ...(programs === undefined ? {} : { programs }),
  };
}
