/**
 * Where each resource controller lives on this host, found at run time: a cgroup v1 hierarchy of its own
 * (the hybrid layout: memory, pids, cpu, blkio under /sys/fs/cgroup/NAME) or the unified cgroup2 tree
 * (pure v2: listed in the root's cgroup.controllers). A controller may be on neither.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Controller = 'memory' | 'pids' | 'cpu' | 'io';

/** The v1 name of each controller (its mount option). */
const V1_NAME: Record<Controller, string> = { memory: 'memory', pids: 'pids', cpu: 'cpu', io: 'blkio' };

export type ControllerPlace =
  /** v1: the hierarchy's mount point and this process's cgroup in it (jails nest under it). */
  | { readonly kind: 'v1'; readonly mount: string; readonly own: string }
  /** v2: in the jail's own unified cgroup. */
  | { readonly kind: 'v2'; readonly root: string }
  | { readonly kind: 'none' };

export type ControllerLayout = Readonly<Record<Controller, ControllerPlace>>;

const unescapeOctal = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/**
 * The layout from /proc/self/mountinfo, /proc/self/cgroup and the cgroup2 root's cgroup.controllers
 * (texts given for tests; `readControllers` reads a cgroup2 root's controller list).
 */
export function controllerLayout(
  mountinfo: string = readFileSync('/proc/self/mountinfo', 'utf8'),
  selfCgroup: string = readFileSync('/proc/self/cgroup', 'utf8'),
  readControllers: (root: string) => string = (root) =>
    readFileSync(join(root, 'cgroup.controllers'), 'utf8'),
): ControllerLayout {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const fields = line.slice(0, sep).split(' ');
    if (fields[3] !== '/' || !fields[4]) continue;
    const mount = unescapeOctal(fields[4]);
    if (fstype === 'cgroup2') v2 ??= mount;
    if (fstype !== 'cgroup') continue;
    for (const opt of superOptions.split(',')) if (!v1.has(opt)) v1.set(opt, mount);
  }
  const own = new Map<string, string>();
  for (const line of selfCgroup.split('\n')) {
    const [, names, path] = /^[0-9]+:([^:]*):(.*)$/.exec(line) ?? [];
    if (names === undefined) continue;
    for (const n of names.split(',')) own.set(n, path);
  }
  let v2Controllers: string[] = [];
  if (v2 !== undefined) {
    try {
      v2Controllers = readControllers(v2).trim().split(/\s+/);
    } catch {}
  }
  const place = (c: Controller): ControllerPlace => {
    const mount = v1.get(V1_NAME[c]);
    if (mount !== undefined) return { kind: 'v1', mount, own: own.get(V1_NAME[c]) ?? '/' };
    if (v2 !== undefined && v2Controllers.includes(c)) return { kind: 'v2', root: v2 };
    return { kind: 'none' };
  };
  return { memory: place('memory'), pids: place('pids'), cpu: place('cpu'), io: place('io') };
}

/** What each resource needs. */
export const resourceController: Readonly<Record<string, Controller | undefined>> = {
  memoryuse: 'memory',
  maxproc: 'pids',
  pcpu: 'cpu',
  readbps: 'io',
  writebps: 'io',
  readiops: 'io',
  writeiops: 'io',
  // cputime: cpu.stat of the unified cgroup (always there); openfiles: RLIMIT_NOFILE.
};
