import {
  CLONE_NEWIPC,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  MNT_DETACH,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  type SetupOp,
} from '@sysjail/systrace-bindings';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Prison } from '../prison.js';
import { jailCapabilities } from './capabilities.js';

/** Host devices a jail gets, bound over the files of the same name in its /dev when they exist. */
export const jailDevices = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The jail worker's setup, in order (bubblewrap style: data, executed in one place by the launcher):
 * namespaces, a private mount tree with the jail path as root, /sys read-only, devices, hostname,
 * pivot_root, capabilities, no_new_privs, the seccomp filter with a listener. The host's /proc is bound
 * at the jail's /proc only so that the init can be exec'd as /proc/self/fd/N; the supervisor replaces it
 * with the jail's own procfs before the jailed command starts (see proc-mount.ts).
 */
export function jailSetupOps(prison: Prison, filter: Uint8Array): SetupOp[] {
  const root = prison.path;
  const at = (p: string) => join(root, p);
  const ops: SetupOp[] = [
    { op: 'unshare', flags: CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID },
    { op: 'mount', source: null, target: '/', fstype: null, flags: MS_REC | MS_PRIVATE },
    { op: 'mount', source: root, target: root, fstype: null, flags: MS_BIND | MS_REC },
    { op: 'mount', source: '/proc', target: at('proc'), fstype: null, flags: MS_BIND },
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
  for (const dev of jailDevices) {
    if (existsSync(at(`dev/${dev}`)) && existsSync(`/dev/${dev}`)) {
      ops.push({ op: 'mount', source: `/dev/${dev}`, target: at(`dev/${dev}`), fstype: null, flags: MS_BIND });
    }
  }
  if (isDir(at('dev/pts'))) {
    ops.push({
      op: 'mount',
      source: 'devpts',
      target: at('dev/pts'),
      fstype: 'devpts',
      flags: MS_NOSUID | MS_NOEXEC,
      data: 'newinstance,ptmxmode=0666,mode=620,gid=5',
    });
    if (existsSync(at('dev/ptmx'))) {
      ops.push({ op: 'mount', source: at('dev/pts/ptmx'), target: at('dev/ptmx'), fstype: null, flags: MS_BIND });
    }
  }
  if (isDir(at('dev/shm'))) {
    ops.push({
      op: 'mount',
      source: 'tmpfs',
      target: at('dev/shm'),
      fstype: 'tmpfs',
      flags: MS_NOSUID | MS_NODEV,
      data: 'mode=1777,size=65536k',
    });
  }
  const caps = jailCapabilities(prison.flags);
  ops.push(
    { op: 'sethostname', name: prison.hostname },
    { op: 'chdir', path: root },
    { op: 'pivotRoot', newRoot: '.', putOld: '.' },
    { op: 'umount2', target: '.', flags: MNT_DETACH },
    { op: 'chdir', path: '/' },
    { op: 'dropBoundingSet', keep: caps },
    { op: 'setCapabilities', effective: caps, permitted: caps, inheritable: [] },
    { op: 'noNewPrivs' },
    { op: 'seccomp', filter, flags: SECCOMP_FILTER_FLAG_NEW_LISTENER },
  );
  return ops;
}
