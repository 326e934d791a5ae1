import { existsSync, lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLONE_NEWIPC,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  capget,
  LANDLOCK_SCOPE_SIGNAL,
  landlockAbiVersion,
  MNT_DETACH,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  type SetupOp,
} from '@sysjail/systrace-bindings';
import { PrisonConfigError } from '../errors.js';
import { jailDevices } from '../mount/jail-devices.js';
import { maskedProcFiles, readOnlyProcPaths } from '../mount/proc-mount.js';
import type { Prison } from '../prison.js';
import { jailCapabilities } from './capabilities.js';
import { mountOps } from './jail-mounts.js';

const S_IFCHR = 0o020000;
/** At most this many of the root's top-level directories get a Landlock rule of their own (see below). */
const LANDLOCK_TOP_LEVEL_RULES = 64;

const deviceName = /^[A-Za-z0-9][A-Za-z0-9_.+-]*(\/[A-Za-z0-9][A-Za-z0-9_.+-]*)?$/;

/** A device of the host's /dev by name (mount.devfs): a character device, its numbers and mode. */
export function hostDevice(name: string): [string, number, number, number] {
  if (!deviceName.test(name)) throw new PrisonConfigError(`device "${name}": not a device name`);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(join('/dev', name));
  } catch {
    throw new PrisonConfigError(`device "${name}": no /dev/${name} on this host`);
  }
  if (!st.isCharacterDevice())
    throw new PrisonConfigError(`device "${name}": /dev/${name} is not a character device`);
  const rdev = st.rdev;
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff);
  return [name, major, minor, st.mode & 0o777];
}

function devOps(dev: string, extra: readonly string[] = []): SetupOp[] {
  const ops: SetupOp[] = [
    {
      op: 'mount',
      source: 'tmpfs',
      target: dev,
      fstype: 'tmpfs',
      flags: MS_NOSUID | MS_NOEXEC,
      data: 'mode=755,size=64k',
    },
  ];
  for (const [name, major, minor] of jailDevices) {
    ops.push({ op: 'mknod', path: `${dev}/${name}`, mode: S_IFCHR | 0o666, major, minor });
  }
  for (const [name, major, minor, mode] of extra.map(hostDevice)) {
    if (jailDevices.some(([n]) => n === name)) continue;
    if (name.includes('/')) ops.push({ op: 'mkdir', path: `${dev}/${name.split('/')[0]}`, mode: 0o755 });
    ops.push({ op: 'mknod', path: `${dev}/${name}`, mode: S_IFCHR | mode, major, minor });
  }
  ops.push(
    { op: 'mkdir', path: `${dev}/pts`, mode: 0o755 },
    { op: 'mkdir', path: `${dev}/shm`, mode: 0o1777 },
    {
      op: 'mount',
      source: 'devpts',
      target: `${dev}/pts`,
      fstype: 'devpts',
      flags: MS_NOSUID | MS_NOEXEC,
      data: 'newinstance,ptmxmode=0666,mode=620,gid=5',
    },
    {
      op: 'mount',
      source: 'tmpfs',
      target: `${dev}/shm`,
      fstype: 'tmpfs',
      flags: MS_NOSUID | MS_NODEV,
      data: 'mode=1777,size=65536k',
    },
    { op: 'symlink', target: 'pts/ptmx', path: `${dev}/ptmx` },
    { op: 'symlink', target: '/proc/self/fd', path: `${dev}/fd` },
    { op: 'symlink', target: '/proc/self/fd/0', path: `${dev}/stdin` },
    { op: 'symlink', target: '/proc/self/fd/1', path: `${dev}/stdout` },
    { op: 'symlink', target: '/proc/self/fd/2', path: `${dev}/stderr` },
  );
  return ops;
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** The namespaces a jail's init is born in (clone3 flags). */
export const JAIL_NAMESPACES = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID;

/**
 * The jail's own /proc: a procfs of its PID namespace (the init, born in it, mounts it before its exec),
 * with the parts that reach the host read-only and the files that leak it covered with the jail's
 * /dev/null (when it has a /dev). Which exist is read from the host's procfs: the same kernel's.
 */
function procOps(proc: string, devNull: string | undefined): SetupOp[] {
  const ops: SetupOp[] = [{ op: 'mountProc', target: proc, options: { hidepid: '0' } }];
  for (const name of readOnlyProcPaths) {
    if (!existsSync(join('/proc', name))) continue;
    const path = join(proc, name);
    ops.push(
      { op: 'mount', source: path, target: path, fstype: null, flags: MS_BIND | MS_REC },
      {
        op: 'mount',
        source: null,
        target: path,
        fstype: null,
        flags: MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
      },
    );
  }
  if (devNull === undefined) return ops;
  for (const name of maskedProcFiles) {
    if (!existsSync(join('/proc', name))) continue;
    ops.push({ op: 'mount', source: devNull, target: join(proc, name), fstype: null, flags: MS_BIND });
  }
  return ops;
}

/**
 * The jail's setup, in order, run by the native launcher in the init between clone3 (into
 * JAIL_NAMESPACES and the jail's cgroup) and its exec (bubblewrap style: data, executed in one place): a
 * private mount tree with the jail path as root, /sys read-only, devices, the jail's own /proc, the
 * prison's mounts, hostname, pivot_root, capabilities, no_new_privs, Landlock, the seccomp filter with a
 * listener. The init is exec'd from its memfd (execveat): nothing of the host's /proc is needed.
 */
export function jailSetupOps(prison: Prison, filter: Uint8Array): SetupOp[] {
  const root = prison.path;
  const at = (p: string) => join(root, p);
  const ops: SetupOp[] = [
    { op: 'mount', source: null, target: '/', fstype: null, flags: MS_REC | MS_PRIVATE },
    { op: 'mount', source: root, target: root, fstype: null, flags: MS_BIND | MS_REC },
  ];
  if (isDir(at('sys'))) {
    ops.push({
      op: 'mount',
      source: 'sysfs',
      target: at('sys'),
      fstype: 'sysfs',
      flags: MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
    });
  }
  const hasDev = isDir(at('dev'));
  if (hasDev) ops.push(...devOps(at('dev'), prison.devices));
  else if (prison.devices?.length)
    throw new PrisonConfigError(`${at('dev')}: missing (mount.devfs devices need it)`);
  ops.push(...procOps(at('proc'), hasDev ? at('dev/null') : undefined));
  ops.push(...mountOps(root, prison.mounts ?? []));
  // Never ask for more than this process has (root without CAP_SYS_RESOURCE, say): a flag that needs a
  // capability the host lacks then gets the kernel's answer, as the host's root would.
  const held = capget().permitted;
  const caps = jailCapabilities(prison.flags).filter((c) => (held >> BigInt(c)) & 1n);
  ops.push(
    { op: 'sethostname', name: prison.hostname },
    { op: 'chdir', path: root },
    { op: 'pivotRoot', newRoot: '.', putOld: '.' },
    { op: 'umount2', target: '.', flags: MNT_DETACH },
    { op: 'chdir', path: '/' },
    { op: 'dropBoundingSet', keep: caps },
    { op: 'setCapabilities', effective: caps, permitted: caps, inheritable: [] },
    { op: 'noNewPrivs' },
  );
  // Landlock: file system access only beneath the jail's root (ABI 1, Linux 5.13), so that a path through
  // a host descriptor that reached the jail (/proc/self/fd/N/..., openat) stops at the jail's boundary.
  // Its signal scope (ABI 6, Linux 6.12) keeps the jail from signalling out. Not its abstract-socket
  // scope: the jail's UNIX sockets are made by the supervisor (outside any Landlock domain) in the
  // jail's own network namespace, which keeps the host's abstract names out of reach instead.
  // The rule is also put on the root's top-level directories (those on the root's own mount): Landlock
  // walks up from every opened file to a directory with a rule, and each directory of the walk costs.
  const abi = landlockAbiVersion();
  const scoped = abi >= 6 ? LANDLOCK_SCOPE_SIGNAL : 0;
  if (abi >= 1)
    ops.push({ op: 'landlock', scoped, beneath: '/', subdirectoryRules: LANDLOCK_TOP_LEVEL_RULES });
  ops.push({ op: 'seccomp', filter, flags: SECCOMP_FILTER_FLAG_NEW_LISTENER });
  return ops;
}
