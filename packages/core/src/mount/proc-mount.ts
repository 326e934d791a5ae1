import { existsSync } from 'node:fs';
import {
  attachMount,
  CLONE_FS,
  CLONE_NEWNS,
  close,
  fchdir,
  fsconfigCreate,
  fsconfigSetFd,
  fsconfigSetString,
  fsmount,
  fsopen,
  MNT_DETACH,
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOSUID,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  mount,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  O_RDONLY,
  open,
  setns,
  umount2,
  unshare,
} from '@sysjail/systrace-bindings';

/** /proc entries that reach the host: read-only in a jail (docker's readonly paths). */
export const readOnlyProcPaths = ['sys', 'sysrq-trigger', 'bus', 'fs', 'irq'];
/** /proc files that leak the host: covered with /dev/null. */
export const maskedProcFiles = ['kcore', 'keys', 'timer_list', 'sched_debug', 'latency_stats'];

let hostMountNs: number | undefined;

/**
 * Gives this thread its own fs struct (root, working directory, umask), so that it may setns into a
 * jail's mount namespace and back. Again before each mount: threads this one starts later share its fs
 * struct (libuv's pool threads, on the main thread), and setns(CLONE_NEWNS) needs it unshared; when it
 * is, unshare(CLONE_FS) does nothing.
 */
export function prepareMountThread(): void {
  unshare(CLONE_FS);
  hostMountNs ??= open('/proc/thread-self/ns/mnt', O_RDONLY | O_CLOEXEC);
}

/**
 * Gives a jail its own /proc: a procfs for the jail's PID namespace (only its processes), replacing the
 * host's /proc bound there for the init's exec, with the host-reaching parts read-only or masked.
 * Runs on a thread of ours (full capabilities, no filter) inside the jail's mount namespace: a
 * supervisor worker thread, or (supervision in this thread) the thread that starts the jail, whose
 * working directory is given back afterwards (setns moves it to the namespace's root).
 */
export function mountJailProc(initPid: number): void {
  prepareMountThread();
  const mntns = open(`/proc/${initPid}/ns/mnt`, O_RDONLY | O_CLOEXEC);
  const pidns = open(`/proc/${initPid}/ns/pid`, O_RDONLY | O_CLOEXEC);
  const cwd = open('.', O_PATH | O_DIRECTORY | O_CLOEXEC);
  try {
    setns(mntns, CLONE_NEWNS);
    try {
      umount2('/proc', MNT_DETACH);
      const fs = fsopen('proc');
      let mnt: number;
      try {
        fsconfigSetFd(fs, 'pidns', pidns);
        fsconfigSetString(fs, 'hidepid', '0');
        fsconfigCreate(fs);
        mnt = fsmount(fs, undefined, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
      } finally {
        close(fs);
      }
      try {
        attachMount(mnt, '/proc');
      } finally {
        close(mnt);
      }
      for (const name of readOnlyProcPaths) {
        const path = `/proc/${name}`;
        if (!existsSync(path)) continue;
        mount(path, path, null, MS_BIND | MS_REC, null);
        mount(null, path, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
      }
      if (existsSync('/dev/null')) {
        for (const name of maskedProcFiles) {
          const path = `/proc/${name}`;
          if (existsSync(path)) mount('/dev/null', path, null, MS_BIND, null);
        }
      }
    } finally {
      setns(hostMountNs!, CLONE_NEWNS);
      fchdir(cwd);
    }
  } finally {
    close(mntns);
    close(pidns);
    close(cwd);
  }
}
