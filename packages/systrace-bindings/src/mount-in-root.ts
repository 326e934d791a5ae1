// Mounts placed inside a directory tree (a jail root) on file descriptors: the destination is opened with
// openat2(RESOLVE_IN_ROOT) from the root's fd, so a symlink in the tree (absolute or `..`) is resolved as
// if the root were `/` and cannot lead out of it; the mount is attached with move_mount onto that fd, so
// no path is resolved twice. Sources are host paths (the caller's), opened once with open_tree.

import { cString } from './c-string.js';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  close,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  openat,
} from './file-descriptors.js';
import {
  AT_RECURSIVE,
  FSMOUNT_CLOEXEC,
  fsconfigCreate,
  fsconfigSetString,
  fsmount,
  fsopen,
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_RDONLY,
  MOVE_MOUNT_F_EMPTY_PATH,
  MOVE_MOUNT_T_EMPTY_PATH,
  moveMount,
  OPEN_TREE_CLOEXEC,
  OPEN_TREE_CLONE,
  openTree,
} from './mount-api.js';
import { openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from './openat2.js';
import { syscall5 } from './syscall.js';
import { sysno } from './sysno.js';

/**
 * openat2(2): `path` resolved as if `rootFd` were `/` (RESOLVE_IN_ROOT, no magic links); O_PATH unless
 * other open flags are given (O_CLOEXEC always).
 */
export function openInRoot(rootFd: number, path: string, flags = O_PATH): number {
  return openat2(rootFd, path, flags | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/** mount_setattr(2) on a mount fd (AT_EMPTY_PATH), recursively: sets `set`, clears `clear`. */
export function mountSetattr(mountFd: number, set: number, clear = 0): void {
  const attr = Buffer.alloc(32); // struct mount_attr: attr_set, attr_clr, propagation, userns_fd
  attr.writeBigUInt64LE(BigInt(set), 0);
  attr.writeBigUInt64LE(BigInt(clear), 8);
  syscall5(sysno.mount_setattr, mountFd, cString(''), AT_EMPTY_PATH | AT_RECURSIVE, attr, attr.byteLength);
}

function attachInRoot(mountFd: number, root: string, target: string): void {
  const rootFd = openat(AT_FDCWD, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  try {
    const dest = openInRoot(rootFd, target);
    try {
      moveMount(mountFd, '', dest, '', MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    } finally {
      close(dest);
    }
  } finally {
    close(rootFd);
  }
}

/**
 * A recursive bind mount of the host path `source` at `target` inside `root`, nosuid and nodev, and
 * read-only when asked (MOUNT_ATTR_RDONLY on every mount of the copy, before it is attached).
 */
export function bindMountInRoot(source: string, root: string, target: string, readonly: boolean): void {
  const tree = openTree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  try {
    mountSetattr(tree, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (readonly ? MOUNT_ATTR_RDONLY : 0));
    attachInRoot(tree, root, target);
  } finally {
    close(tree);
  }
}

/** A new tmpfs at `target` inside `root` (nosuid, nodev; read-only when asked), with tmpfs options. */
export function tmpfsMountInRoot(
  root: string,
  target: string,
  options: Readonly<Record<string, string>>,
  readonly: boolean,
): void {
  const fs = fsopen('tmpfs');
  try {
    for (const [k, v] of Object.entries(options)) fsconfigSetString(fs, k, v);
    fsconfigCreate(fs);
    const mnt = fsmount(
      fs,
      FSMOUNT_CLOEXEC,
      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (readonly ? MOUNT_ATTR_RDONLY : 0),
    );
    try {
      attachInRoot(mnt, root, target);
    } finally {
      close(mnt);
    }
  } finally {
    close(fs);
  }
}
