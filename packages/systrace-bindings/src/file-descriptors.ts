// File descriptors: open/openat, close, close_range, ioctl, memfd_create, read/write, dup3, fcntl, flock.
import { cString } from './c-string.js';
import { type SyscallArg, syscall1, syscall2, syscall3, syscall4 } from './syscall.js';
import { sysno } from './sysno.js';

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;

export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_DUPFD_CLOEXEC = 1030;
export const FD_CLOEXEC = 1;

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

export const MFD_CLOEXEC = 0x1;
export const MFD_ALLOW_SEALING = 0x2;

export const CLOSE_RANGE_UNSHARE = 0x2;
export const CLOSE_RANGE_CLOEXEC = 0x4;

export function open(path: string, flags: number, mode = 0): number {
  return syscall3(sysno.open, cString(path), flags, mode);
}

export function openat(dirfd: number, path: string, flags: number, mode = 0): number {
  return syscall4(sysno.openat, dirfd, cString(path), flags, mode);
}

export function close(fd: number): void {
  syscall1(sysno.close, fd);
}

/** close_range(2): closes (or marks CLOEXEC) fds first..last; last defaults to ~0U. */
export function closeRange(first: number, last = 0xffffffff, flags = 0): void {
  syscall3(sysno.close_range, first, last, flags);
}

/** ioctl(2); `arg` is an integer or a buffer passed by pointer. Returns the ioctl's result. */
export function ioctl(fd: number, request: number, arg: SyscallArg = 0): number {
  return syscall3(sysno.ioctl, fd, request, arg);
}

/** memfd_create(2). */
export function memfdCreate(name: string, flags = MFD_CLOEXEC): number {
  return syscall2(sysno.memfd_create, cString(name), flags);
}

export function read(fd: number, buf: Uint8Array, length = buf.byteLength): number {
  return syscall3(sysno.read, fd, buf, length);
}

export function write(fd: number, buf: Uint8Array, length = buf.byteLength): number {
  return syscall3(sysno.write, fd, buf, length);
}

export function dup3(oldfd: number, newfd: number, flags = 0): number {
  return syscall3(sysno.dup3, oldfd, newfd, flags);
}

export function fcntl(fd: number, cmd: number, arg: number = 0): number {
  return syscall3(sysno.fcntl, fd, cmd, arg);
}

/**
 * flock(2): a lock of the open file description (any fd of it, in any process, holds it; another
 * description of the same file conflicts, in this process too). Released when its last fd closes.
 */
export function flock(fd: number, operation: number): void {
  syscall2(sysno.flock, fd, operation);
}
