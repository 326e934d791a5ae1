/**
 * What a running jail is on the host (its supervisor, its processes, its cgroup, its registry record)
 * and what of it is left once it should be gone.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isSameProcess, type JailRecord, processStartTime, type Registry } from '@sysjail/core';

export interface JailSnapshot {
  readonly record: JailRecord;
  /** readlink(/proc/<init>/ns/pid): the jail's PID namespace. */
  readonly pidNs: string;
  /** Host pids of every process in that namespace, with their start times. */
  readonly processes: readonly { readonly pid: number; readonly startTime: number }[];
  /** The registry record file. */
  readonly recordFile: string;
}

/**
 * Host pids whose PID namespace is `ns` (as readlink of /proc/<pid>/ns/pid gives it), zombies left out:
 * a dead init whose parent (the supervisor) died first waits to be reaped by the host's PID 1, which on
 * this machine takes 1-2 s; it runs nothing.
 */
export function pidsInNamespace(ns: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === ns && processStartTime(Number(entry)) !== undefined)
        pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** A live jail as the host sees it; throws if the registry has no such jail or it has no init yet. */
export function snapshotJail(registry: Registry, jid: number): JailSnapshot {
  const record = registry.find(jid);
  if (!record) throw new Error(`jail ${jid} is not registered`);
  if (record.initPid === undefined) throw new Error(`jail ${jid} has no init pid yet`);
  const pidNs = readlinkSync(`/proc/${record.initPid}/ns/pid`);
  const processes = pidsInNamespace(pidNs).flatMap((pid) => {
    const startTime = processStartTime(pid);
    return startTime === undefined ? [] : [{ pid, startTime }];
  });
  return { record, pidNs, processes, recordFile: join(registry.dir, `${jid}.json`) };
}

/** Lines naming what is left of a jail that should be gone; empty when nothing is. */
export function leftovers(s: JailSnapshot, opts: { supervisor?: boolean } = {}): string[] {
  const left: string[] = [];
  const r = s.record;
  if ((opts.supervisor ?? true) && isSameProcess(r.supervisorPid, r.supervisorStartTime))
    left.push(`supervisor ${r.supervisorPid} runs`);
  for (const p of s.processes)
    if (processStartTime(p.pid) === p.startTime) left.push(`process ${p.pid} runs`);
  const inNs = pidsInNamespace(s.pidNs);
  if (inNs.length > 0) left.push(`pids in the jail's namespace: ${inNs.join(' ')}`);
  if (r.cgroupPath !== undefined && existsSync(r.cgroupPath)) left.push(`cgroup ${r.cgroupPath}`);
  if (existsSync(s.recordFile)) left.push(`registry record ${s.recordFile}`);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(r.path));
  if (mounts.length > 0) left.push(`mounts: ${mounts.join('; ')}`);
  return left;
}

/** Waits until nothing is left of the jail (or `ms` passed); returns what is left. */
export async function waitGone(
  s: JailSnapshot,
  ms = 10_000,
  opts: { supervisor?: boolean } = {},
): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    const left = leftovers(s, opts);
    if (left.length === 0 || Date.now() > end) return left;
    await sleep(25);
  }
}

/** Polls `fn` until it returns a value other than undefined/false, or throws after `ms`. */
export async function waitUntil<T>(
  fn: () => T | undefined | false,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
