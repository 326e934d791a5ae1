// The new mount API: fsopen, fsconfig, fsmount, move_mount, open_tree, fspick.
import { cString, cStringOrNull } from './c-string.js';
import { AT_FDCWD } from './file-descriptors.js';
import { syscall2, syscall3, syscall5 } from './syscall.js';
import { sysno } from './sysno.js';

export const FSOPEN_CLOEXEC = 0x1;
export const FSPICK_CLOEXEC = 0x1;
export const FSPICK_SYMLINK_NOFOLLOW = 0x2;
export const FSPICK_NO_AUTOMOUNT = 0x4;
export const FSPICK_EMPTY_PATH = 0x8;

export const FSCONFIG_SET_FLAG = 0;
export const FSCONFIG_SET_STRING = 1;
export const FSCONFIG_SET_BINARY = 2;
export const FSCONFIG_SET_PATH = 3;
export const FSCONFIG_SET_PATH_EMPTY = 4;
export const FSCONFIG_SET_FD = 5;
export const FSCONFIG_CMD_CREATE = 6;
export const FSCONFIG_CMD_RECONFIGURE = 7;
export const FSCONFIG_CMD_CREATE_EXCL = 8;

export const FSMOUNT_CLOEXEC = 0x1;

export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

export const MOVE_MOUNT_F_SYMLINKS = 0x1;
export const MOVE_MOUNT_F_AUTOMOUNTS = 0x2;
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
export const MOVE_MOUNT_T_SYMLINKS = 0x10;
export const MOVE_MOUNT_T_AUTOMOUNTS = 0x20;
export const MOVE_MOUNT_T_EMPTY_PATH = 0x40;

export const OPEN_TREE_CLONE = 0x1;
export const OPEN_TREE_CLOEXEC = 0o2000000;
export const AT_RECURSIVE = 0x8000;

/** fsopen(2): a filesystem context fd for `fsname` ('proc', 'tmpfs' ...). */
export function fsopen(fsname: string, flags = FSOPEN_CLOEXEC): number {
  return syscall2(sysno.fsopen, cString(fsname), flags);
}

/** fsconfig(2), raw. */
export function fsconfig(
  fd: number,
  cmd: number,
  key: string | null,
  value: string | Uint8Array | null,
  aux: number,
): void {
  const v = typeof value === 'string' ? cString(value) : value;
  syscall5(sysno.fsconfig, fd, cmd, cStringOrNull(key), v, aux);
}

export function fsconfigSetString(fd: number, key: string, value: string): void {
  fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0);
}

export function fsconfigSetFlag(fd: number, key: string): void {
  fsconfig(fd, FSCONFIG_SET_FLAG, key, null, 0);
}

export function fsconfigSetFd(fd: number, key: string, valueFd: number): void {
  fsconfig(fd, FSCONFIG_SET_FD, key, null, valueFd);
}

export function fsconfigCreate(fd: number): void {
  fsconfig(fd, FSCONFIG_CMD_CREATE, null, null, 0);
}

/** fsmount(2): a detached mount fd from a created context; attrs are MOUNT_ATTR_*. */
export function fsmount(fsfd: number, flags = FSMOUNT_CLOEXEC, attrs = 0): number {
  return syscall3(sysno.fsmount, fsfd, flags, attrs);
}

/** move_mount(2). */
export function moveMount(
  fromDirfd: number,
  fromPath: string,
  toDirfd: number,
  toPath: string,
  flags: number,
): void {
  syscall5(sysno.move_mount, fromDirfd, cString(fromPath), toDirfd, cString(toPath), flags);
}

/** Attaches a detached mount fd (from fsmount/open_tree) at `target`. */
export function attachMount(mountFd: number, target: string): void {
  moveMount(mountFd, '', AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

/** open_tree(2); with OPEN_TREE_CLONE a detached copy of the tree (a bind mount to attach). */
export function openTree(dirfd: number, path: string, flags: number): number {
  return syscall3(sysno.open_tree, dirfd, cString(path), flags);
}

/** fspick(2): a context fd for reconfiguring the superblock at `path`. */
export function fspick(dirfd: number, path: string, flags = FSPICK_CLOEXEC): number {
  return syscall3(sysno.fspick, dirfd, cString(path), flags);
}
