/**
 * A jail's resource-controller cgroups: on a v1 controller a directory of its own,
 * <hierarchy>/<our cgroup>/sysjail/<jail cgroup name> (nested under ours, so limits set on us still hold),
 * made with the jail and removed with it; on a v2 controller the jail's unified cgroup itself, with the
 * controller enabled on the way down. rctl rules become the controllers' files.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LimitError } from '../errors.js';
import type { Controller, ControllerLayout, ControllerPlace } from './cgroup-controllers.js';
import { resourceController } from './cgroup-controllers.js';
import type { RctlRule } from './rctl-rule.js';

/** Controller → the directory its files are written in, for one jail. */
export type LimitCgroups = Partial<Record<Controller, string>>;

const CFS_PERIOD_US = 100_000;

function v1Parent(place: Extract<ControllerPlace, { kind: 'v1' }>): string {
  return join(place.mount, place.own, 'sysjail');
}

function write(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (e) {
    throw new LimitError(`cannot write "${value.trim()}" to ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Enables a controller in cgroup.subtree_control from the cgroup2 root down to the jail's parent. */
function enableV2(root: string, jailCgroup: string, controller: Controller): void {
  const chain: string[] = [];
  for (let d = dirname(jailCgroup); relative(root, d) !== '..' && d.startsWith(root); d = dirname(d)) {
    chain.unshift(d);
    if (d === root) break;
  }
  for (const dir of chain) {
    const file = join(dir, 'cgroup.subtree_control');
    const enabled = readFileSync(file, 'utf8').split(/\s+/);
    if (!enabled.includes(controller)) write(file, `+${controller}\n`);
  }
}

/**
 * Makes (v1) or enables (v2) the cgroups of `controllers` for the jail whose unified cgroup is
 * `jailCgroup` (its directory name names the v1 ones). A controller the host lacks is an error.
 */
export function makeLimitCgroups(
  layout: ControllerLayout,
  controllers: Iterable<Controller>,
  jailCgroup: string,
  existing: LimitCgroups = {},
): LimitCgroups {
  const out: LimitCgroups = { ...existing };
  for (const c of controllers) {
    if (out[c] !== undefined) continue;
    const place = layout[c];
    if (place.kind === 'none') throw new LimitError(`the ${c} controller is not available on this host`);
    if (place.kind === 'v2') {
      enableV2(place.root, jailCgroup, c);
      out[c] = jailCgroup;
      continue;
    }
    const path = join(v1Parent(place), jailCgroup.split('/').pop() as string);
    try {
      mkdirSync(dirname(path), { recursive: true });
      mkdirSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LimitError(`cannot create ${path}: ${(e as Error).message}`, { cause: e });
      }
    }
    out[c] = path;
  }
  return out;
}

/** The v1 ones among a jail's limit cgroups (the v2 one is the jail's own cgroup). */
export function v1Paths(cgroups: LimitCgroups, jailCgroup: string): string[] {
  return [...new Set(Object.values(cgroups))].filter((p) => p !== jailCgroup);
}

/**
 * Moves processes into the jail's v1 limit cgroups. For a running jail, pass a function listing its
 * processes: it is called until every listed process is in (forks during the move are caught up).
 */
export function joinLimitCgroups(cgroups: LimitCgroups, jailCgroup: string, pids: () => number[]): void {
  for (const path of v1Paths(cgroups, jailCgroup)) {
    for (let round = 0; round < 100; round++) {
      const inside = new Set(readPids(path));
      const missing = pids().filter((p) => !inside.has(p));
      if (missing.length === 0) break;
      for (const pid of missing) {
        try {
          writeFileSync(join(path, 'cgroup.procs'), `${pid}\n`);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') {
            throw new LimitError(`cannot move pid ${pid} into ${path}: ${(e as Error).message}`, {
              cause: e,
            });
          }
        }
      }
    }
  }
}

function readPids(path: string): number[] {
  try {
    return readFileSync(join(path, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Whole disks' MAJ:MIN (from /sys/block), the devices the I/O throttles name. */
export function blockDevices(sysBlock = '/sys/block'): string[] {
  const out: string[] = [];
  try {
    for (const d of readdirSync(sysBlock)) {
      try {
        out.push(readFileSync(join(sysBlock, d, 'dev'), 'utf8').trim());
      } catch {}
    }
  } catch {}
  return out;
}

const IO_V1: Record<string, string> = {
  readbps: 'blkio.throttle.read_bps_device',
  writebps: 'blkio.throttle.write_bps_device',
  readiops: 'blkio.throttle.read_iops_device',
  writeiops: 'blkio.throttle.write_iops_device',
};
const IO_V2: Record<string, string> = {
  readbps: 'rbps',
  writebps: 'wbps',
  readiops: 'riops',
  writeiops: 'wiops',
};

/**
 * Writes the controllers' files from the jail's rules in force (`rules` already reduced to the strictest
 * per resource); a resource without a rule is set back to unlimited. Resources that are not cgroup
 * files (cputime, openfiles) are not touched here.
 */
export function writeLimits(
  layout: ControllerLayout,
  cgroups: LimitCgroups,
  rules: readonly RctlRule[],
  devices: readonly string[] = blockDevices(),
): void {
  const amount = (resource: string) => rules.find((r) => r.resource === resource)?.amount;
  const v2 = (c: Controller) => layout[c].kind === 'v2';
  if (cgroups.memory) {
    const m = amount('memoryuse');
    if (v2('memory')) write(join(cgroups.memory, 'memory.max'), `${m ?? 'max'}\n`);
    else write(join(cgroups.memory, 'memory.limit_in_bytes'), `${m ?? -1}\n`);
  }
  if (cgroups.pids) write(join(cgroups.pids, 'pids.max'), `${amount('maxproc') ?? 'max'}\n`);
  if (cgroups.cpu) {
    const p = amount('pcpu');
    const quota = p === undefined ? undefined : Math.max(1000, Math.round((p * CFS_PERIOD_US) / 100));
    if (v2('cpu')) write(join(cgroups.cpu, 'cpu.max'), `${quota ?? 'max'} ${CFS_PERIOD_US}\n`);
    else {
      write(join(cgroups.cpu, 'cpu.cfs_period_us'), `${CFS_PERIOD_US}\n`);
      write(join(cgroups.cpu, 'cpu.cfs_quota_us'), `${quota ?? -1}\n`);
    }
  }
  if (cgroups.io) {
    for (const dev of devices) {
      if (v2('io')) {
        const v = Object.entries(IO_V2).map(([r, k]) => `${k}=${amount(r) ?? 'max'}`);
        writeQuiet(join(cgroups.io, 'io.max'), `${dev} ${v.join(' ')}\n`);
      } else {
        for (const [r, file] of Object.entries(IO_V1)) {
          writeQuiet(join(cgroups.io, file), `${dev} ${amount(r) ?? 0}\n`);
        }
      }
    }
  }
}

/** Devices without a request queue (some virtual ones) refuse a throttle: skipped. */
function writeQuiet(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENODEV' && code !== 'EINVAL') throw new LimitError(`cannot write to ${path}: ${code}`);
  }
}

const readNumber = (path: string): number | undefined => {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
};

/** CPU time of the jail in microseconds (cpu.stat usage_usec of its unified cgroup, always present). */
export function cpuUsageMicros(jailCgroup: string): number {
  try {
    const m = /^usage_usec ([0-9]+)$/m.exec(readFileSync(join(jailCgroup, 'cpu.stat'), 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Bytes and operations read and written so far by the jail's processes, summed over devices. */
export function ioCounters(layout: ControllerLayout, cgroups: LimitCgroups): Record<string, number> {
  const out = { readbps: 0, writebps: 0, readiops: 0, writeiops: 0 };
  const dir = cgroups.io;
  if (!dir) return out;
  try {
    if (layout.io.kind === 'v2') {
      for (const line of readFileSync(join(dir, 'io.stat'), 'utf8').split('\n')) {
        const f = Object.fromEntries(
          line
            .split(' ')
            .slice(1)
            .map((kv) => kv.split('=')),
        );
        out.readbps += Number(f.rbytes ?? 0);
        out.writebps += Number(f.wbytes ?? 0);
        out.readiops += Number(f.rios ?? 0);
        out.writeiops += Number(f.wios ?? 0);
      }
    } else {
      const sum = (file: string, op: string) =>
        readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .map((l) => l.split(' '))
          .filter((f) => f.length === 3 && f[1] === op)
          .reduce((n, f) => n + Number(f[2]), 0);
      out.readbps = sum('blkio.throttle.io_service_bytes', 'Read');
      out.writebps = sum('blkio.throttle.io_service_bytes', 'Write');
      out.readiops = sum('blkio.throttle.io_serviced', 'Read');
      out.writeiops = sum('blkio.throttle.io_serviced', 'Write');
    }
  } catch {}
  return out;
}

/** Instant usage: memoryuse (bytes), maxproc (tasks), cputime (seconds), openfiles (descriptors). */
export function instantUsage(
  layout: ControllerLayout,
  cgroups: LimitCgroups,
  jailCgroup: string,
  pids: readonly number[],
): Record<string, number> {
  const out: Record<string, number> = {};
  const memory = cgroups.memory;
  if (memory) {
    out.memoryuse =
      readNumber(join(memory, layout.memory.kind === 'v2' ? 'memory.current' : 'memory.usage_in_bytes')) ?? 0;
  } else {
    // no memory cgroup (no memoryuse rule): the resident pages of the jail's processes
    let pages = 0;
    for (const pid of pids) {
      try {
        pages += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) || 0;
      } catch {}
    }
    out.memoryuse = pages * 4096;
  }
  out.maxproc = cgroups.pids ? (readNumber(join(cgroups.pids, 'pids.current')) ?? 0) : pids.length;
  out.cputime = Math.floor(cpuUsageMicros(jailCgroup) / 1e6);
  let files = 0;
  for (const pid of pids) {
    try {
      files += readdirSync(`/proc/${pid}/fd`).length;
    } catch {}
  }
  out.openfiles = files;
  return out;
}

/** Removes the jail's v1 limit cgroups once its processes are gone (killing stragglers). */
export async function removeLimitCgroups(
  cgroups: LimitCgroups,
  jailCgroup: string,
  timeoutMs = 5000,
): Promise<void> {
  for (const path of v1Paths(cgroups, jailCgroup)) {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 5; existsSync(path); delay = Math.min(delay * 2, 100)) {
      try {
        rmdirSync(path);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || Date.now() > deadline) {
          throw new LimitError(`cannot remove ${path}: ${(e as Error).message}`, { cause: e });
        }
        for (const pid of readPids(path)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        }
      }
      await sleep(delay);
    }
  }
}

/** Removes leftover v1 jail cgroups under this process's own ones that hold no process and are stale. */
export function removeStaleLimitCgroups(layout: ControllerLayout, isStale: (name: string) => boolean): void {
  const parents = new Set<string>();
  for (const place of Object.values(layout)) if (place.kind === 'v1') parents.add(v1Parent(place));
  for (const parent of parents) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith('jail-') || !isStale(name)) continue;
      const path = join(parent, name);
      if (readPids(path).length > 0) continue;
      try {
        rmdirSync(path);
      } catch {}
    }
  }
}

/** Controllers the rules need. */
export function controllersFor(rules: readonly RctlRule[]): Set<Controller> {
  const out = new Set<Controller>();
  for (const r of rules) {
    const c = resourceController[r.resource];
    if (c) out.add(c);
  }
  return out;
}
