// Executes setup operations in order on the calling (worker) thread. Synchronous only: after
// unshare(CLONE_NEWPID) this thread can no longer create threads.
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { cString } from '../c-string.js';
import { capMask, capset, dropBoundingSet } from '../capabilities.js';
import { SyscallError } from '../errors.js';
import { AT_FDCWD, close, O_CLOEXEC, O_DIRECTORY, O_PATH, O_RDONLY, openat } from '../file-descriptors.js';
import { chdir, chroot, fchdir, pivotRoot } from '../filesystem-root.js';
import { landlockRestrict, landlockRestrictScopes } from '../landlock.js';
import { mount, umount2 } from '../mount.js';
import {
  attachMount,
  FSMOUNT_CLOEXEC,
  fsconfigCreate,
  fsconfigSetFd,
  fsconfigSetFlag,
  fsconfigSetString,
  fsmount,
  fsopen,
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOSUID,
} from '../mount-api.js';
import { bindMountInRoot, tmpfsMountInRoot } from '../mount-in-root.js';
import { unshare } from '../namespaces.js';
import { setNoNewPrivs } from '../prctl.js';
import {
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_TSYNC,
  seccompSetModeFilter,
} from '../seccomp.js';
import { syscall4 } from '../syscall.js';
import { setdomainname, sethostname } from '../uts.js';
import type { SetupOp } from './setup-op.js';

const ENOENT = 2;
const NR_mknodat = 259;

/** The kernel's new_encode_dev. */
function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

/** A failed op, carried to the pool as data. */
export class SetupFailure {
  constructor(
    readonly op: string,
    readonly index: number,
    readonly syscall?: string,
    readonly errno?: number,
    readonly message?: string,
  ) {}
}

/** State shared by the two phases (before the fork, after it). */
export interface SetupContext {
  /** The host's /proc, opened before any root change. */
  procFd: number;
  listenerFd?: number;
  /** Set once the child exists. */
  childPid?: number;
}

export function openSetupContext(): SetupContext {
  return { procFd: openat(AT_FDCWD, '/proc', O_PATH | O_DIRECTORY | O_CLOEXEC) };
}

export function closeSetupContext(ctx: SetupContext, keepListener: boolean): void {
  close(ctx.procFd);
  if (!keepListener && ctx.listenerFd !== undefined) close(ctx.listenerFd);
}

const DEFERRED = Symbol('deferred');

function mountProc(
  op: Extract<SetupOp, { op: 'mountProc' }>,
  ctx: SetupContext,
): typeof DEFERRED | undefined {
  let nsfd: number;
  if (ctx.childPid === undefined) {
    try {
      nsfd = openat(ctx.procFd, 'thread-self/ns/pid_for_children', O_RDONLY | O_CLOEXEC);
    } catch (e) {
      // a new PID namespace without its first process yet
      if (e instanceof SyscallError && e.errno === ENOENT) return DEFERRED;
      throw e;
    }
  } else {
    nsfd = openat(ctx.procFd, `${ctx.childPid}/ns/pid`, O_RDONLY | O_CLOEXEC);
  }
  const fsfd = fsopen('proc');
  try {
    fsconfigSetFd(fsfd, 'pidns', nsfd);
    for (const [k, v] of Object.entries(op.options ?? {})) {
      if (v === true) fsconfigSetFlag(fsfd, k);
      else fsconfigSetString(fsfd, k, v);
    }
    fsconfigCreate(fsfd);
    const mfd = fsmount(
      fsfd,
      FSMOUNT_CLOEXEC,
      op.attrs ?? MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
    );
    try {
      attachMount(mfd, op.target);
    } finally {
      close(mfd);
    }
  } finally {
    close(fsfd);
    close(nsfd);
  }
  return undefined;
}

function runOne(op: SetupOp, ctx: SetupContext): typeof DEFERRED | undefined {
  switch (op.op) {
    case 'unshare':
      unshare(op.flags);
      return;
    case 'mount':
      mount(op.source, op.target, op.fstype, op.flags, op.data ?? null);
      return;
    case 'mountProc':
      return mountProc(op, ctx);
    case 'bindInRoot':
      bindMountInRoot(op.source, op.root, op.target, op.readonly);
      return;
    case 'tmpfsInRoot':
      tmpfsMountInRoot(op.root, op.target, op.options, op.readonly);
      return;
    case 'umount2':
      umount2(op.target, op.flags ?? 0);
      return;
    case 'sethostname':
      sethostname(op.name);
      return;
    case 'setdomainname':
      setdomainname(op.name);
      return;
    case 'pivotRoot':
      pivotRoot(op.newRoot, op.putOld);
      return;
    case 'chdir':
      chdir(op.path);
      return;
    case 'fchdir':
      fchdir(op.fd);
      return;
    case 'chroot':
      chroot(op.path);
      return;
    case 'mkdir':
      mkdirSync(op.path, { recursive: true, mode: op.mode ?? 0o755 });
      chmodSync(op.path, op.mode ?? 0o755);
      return;
    case 'mknod':
      syscall4(NR_mknodat, AT_FDCWD, cString(op.path), op.mode, makedev(op.major, op.minor));
      chmodSync(op.path, op.mode & 0o7777); // the thread's umask applied to mknod
      return;
    case 'symlink':
      symlinkSync(op.target, op.path);
      return;
    case 'dropBoundingSet':
      dropBoundingSet(op.keep);
      return;
    case 'setCapabilities':
      capset({
        effective: capMask(op.effective),
        permitted: capMask(op.permitted),
        inheritable: capMask(op.inheritable),
      });
      return;
    case 'landlockScope':
      landlockRestrictScopes(op.scoped);
      return;
    case 'landlock':
      if (op.subdirectoryRules)
        throw new Error('Landlock subdirectoryRules: only the native launcher has them');
      landlockRestrict(op);
      return;
    case 'noNewPrivs':
      setNoNewPrivs();
      return;
    case 'seccomp': {
      const flags = op.flags ?? 0;
      if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
        // TSYNC would put the filter on every thread of this process, the main thread included
        throw new Error('SECCOMP_FILTER_FLAG_TSYNC is refused: the filter must stay on the worker thread');
      }
      const r = seccompSetModeFilter(op.filter, flags);
      if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        if (ctx.listenerFd !== undefined) close(ctx.listenerFd);
        ctx.listenerFd = r;
      }
      return;
    }
    default: {
      const never: never = op;
      throw new Error(`unknown setup op ${(never as { op: string }).op}`);
    }
  }
}

function failure(op: SetupOp, index: number, e: unknown): SetupFailure {
  if (e instanceof SyscallError) return new SetupFailure(op.op, index, e.syscall, e.errno);
  const err = e as { code?: string; errno?: number; syscall?: string; message?: string };
  // node:fs errors (mkdir) carry a negative errno
  if (typeof err.errno === 'number') {
    return new SetupFailure(op.op, index, err.syscall, Math.abs(err.errno), err.message);
  }
  return new SetupFailure(op.op, index, undefined, undefined, String(err?.message ?? e));
}

/**
 * Runs `ops` before the fork; returns the indexes of ops to run after it (afterSpawn, or a mountProc
 * that needs the child). Throws a SetupFailure.
 */
export function runSetupBeforeSpawn(ops: readonly SetupOp[], ctx: SetupContext): number[] {
  const later: number[] = [];
  ops.forEach((op, i) => {
    if (op.afterSpawn) {
      later.push(i);
      return;
    }
    try {
      if (runOne(op, ctx) === DEFERRED) later.push(i);
    } catch (e) {
      throw failure(op, i, e);
    }
  });
  return later;
}

/** Runs the deferred ops once the child exists (ctx.childPid set). Throws a SetupFailure. */
export function runSetupAfterSpawn(
  ops: readonly SetupOp[],
  indexes: readonly number[],
  ctx: SetupContext,
): void {
  for (const i of indexes) {
    try {
      runOne(ops[i], ctx);
    } catch (e) {
      throw failure(ops[i], i, e);
    }
  }
}
