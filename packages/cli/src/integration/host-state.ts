/**
 * What a jail may leave behind on the host, looked up for the leak checks: mounts under a path, sysjail
 * cgroups of a supervisor pid, registry files, live processes, holders of a network namespace.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

export interface RegistryEntry {
  readonly jid: number;
  readonly initPid?: number;
  readonly cgroupPath?: string;
  readonly supervisorPid: number;
}

/** The registry's records under a run dir. */
export function registryEntries(runDir: string): RegistryEntry[] {
  const dir = join(runDir, 'jails');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as RegistryEntry];
      } catch {
        return [];
      }
    });
}

/** Is `pid` a live (not zombie) process? */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The host pids in a cgroup directory. */
export function cgroupProcs(cgroupPath: string): number[] {
  try {
    return readFileSync(join(cgroupPath, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The host's PID namespace inode (reboot victims prove they are elsewhere). */
export function hostPidNamespace(): number {
  return statSync('/proc/self/ns/pid').ino;
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

/** Waits until the registry of `runDir` holds a jail with an init pid and cgroup. */
export async function waitForRecord(runDir: string, ms = 10_000): Promise<RegistryEntry> {
  let found: RegistryEntry | undefined;
  await eventually(() => {
    found = registryEntries(runDir).find((r) => r.initPid !== undefined && r.cgroupPath !== undefined);
    return found !== undefined;
  }, ms);
  if (!found) throw new Error(`no jail record in ${runDir}`);
  return found;
}

/** The network namespaces (`net:[inode]`) open as descriptors of `pid`. */
export function netnsFds(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  return readdirSync(dir).flatMap((fd) => {
    try {
      const l = readlinkSync(join(dir, fd));
      return l.startsWith('net:[') ? [l] : [];
    } catch {
      return [];
    }
  });
}

/** The processes that are in, or hold a descriptor of, the network namespace `ns` (`net:[inode]`). */
export function holdersOf(ns: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^[0-9]+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`) === ns || netnsFds(pid).includes(ns);
      } catch {
        return false;
      }
    });
}
