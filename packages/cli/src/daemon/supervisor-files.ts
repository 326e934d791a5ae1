// Where the shared supervisor is found: a socket and a pid file in sysjail's run directory, one pair
// per installed build (two builds on one host run two supervisors; the registry is shared).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSameProcess, sysjailRunDir } from '@sysjail/core';
import { readSupervisorPid, type SupervisorPid, supervisorBase } from './supervisor-name.js';

/** The supervisor's entry script (dist/daemon/supervisor-main.js). */
export const supervisorScript = fileURLToPath(new URL('./supervisor-main.js', import.meta.url));

export interface SupervisorFiles {
  readonly runDir: string;
  readonly socket: string;
  /** JSON {pid, startTime} of the running supervisor. */
  readonly pidFile: string;
  readonly lock: string;
  readonly log: string;
}

export function supervisorFiles(runDir = sysjailRunDir()): SupervisorFiles {
  const base = supervisorBase(runDir, supervisorScript);
  return {
    runDir,
    socket: `${base}.sock`,
    pidFile: `${base}.pid`,
    lock: `${base}.lock`,
    log: join(runDir, 'supervisor.log'),
  };
}

/** The pid file's supervisor, if it still runs. */
export function liveSupervisor(files: SupervisorFiles): SupervisorPid | undefined {
  const p = readSupervisorPid(files.pidFile);
  return p && isSameProcess(p.pid, p.startTime) ? p : undefined;
}

/** The socket of the shared supervisor whose pid is `pid` (any build), if one runs. */
export function socketOfSupervisor(pid: number, runDir = sysjailRunDir()): string | undefined {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    if (!/^supervisor-[0-9a-f]+\.pid$/.test(n)) continue;
    const p = readSupervisorPid(join(runDir, n));
    if (p?.pid === pid && isSameProcess(p.pid, p.startTime)) return p.socket;
  }
  return undefined;
}
