/**
 * What a jail may leave behind on the host, looked up for the leak checks: core's (mounts under a path,
 * sysjail cgroups of a supervisor pid, live processes) and the cli's own (registry files under a run
 * dir, holders of a network namespace).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@sysjail/core/internals';

export {
  alive,
  allJailCgroups,
  CGROUP_PARENT,
  cgroupProcs,
  cgroupsOf,
  eventually,
  mountsUnder,
} from '@sysjail/core/internals';

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

/** The host's PID namespace inode (reboot victims prove they are elsewhere). */
export function hostPidNamespace(): number {
  return statSync('/proc/self/ns/pid').ino;
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
