/**
 * What a jail may leave behind on the host, looked up by the leak checks of core's and the cli's tests:
 * mounts under a path, the sysjail cgroups of a supervisor pid, live processes, a cgroup's processes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProcStat } from '@sysjail/systrace-bindings';

/** Where jail cgroups are made on this machine's cgroup2 mount (JailCgroup's default parent). */
export const CGROUP_PARENT = '/sys/fs/cgroup/unified/sysjail';

/** Mount points (host view) at or under `path`. */
export function mountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === path || m.startsWith(`${path}/`));
}

/** The sysjail cgroup directories of jails supervised by `pid` (named jail-<pid>-<jid>). */
export function cgroupsOf(pid: number): string[] {
  if (!existsSync(CGROUP_PARENT)) return [];
  return readdirSync(CGROUP_PARENT).filter((n) => n.startsWith(`jail-${pid}-`));
}

/** All sysjail cgroup directories. */
export function allJailCgroups(): string[] {
  if (!existsSync(CGROUP_PARENT)) return [];
  return readdirSync(CGROUP_PARENT).filter((n) => n.startsWith('jail-'));
}

/** Is `pid` a live (not zombie) process? */
export function alive(pid: number): boolean {
  const state = readProcStat(pid)?.state;
  return state !== undefined && state !== 'Z';
}

/** The host pids in a cgroup directory. */
export function cgroupProcs(cgroupPath: string): number[] {
  try {
    return readFileSync(join(cgroupPath, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Polls `check` until it holds or `ms` pass; returns the last result. */
export async function eventually(check: () => boolean, ms: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}
