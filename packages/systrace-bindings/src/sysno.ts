// x86_64 system call numbers used by this package (from asm/unistd_64.h). Kernel names exactly.
// Numbers for a jailed program's view live in @sysjail/emul-linux; these are the host's, for our own calls.

export const sysno = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  poll: 7,
  ioctl: 16,
  mmap: 9,
  munmap: 11,
  getpid: 39,
  socket: 41,
  bind: 49,
  listen: 50,
  getsockname: 51,
  setsockopt: 54,
  getsockopt: 55,
  kill: 62,
  uname: 63,
  fcntl: 72,
  chdir: 80,
  fchdir: 81,
  getuid: 102,
  getppid: 110,
  capget: 125,
  capset: 126,
  pivot_root: 155,
  prctl: 157,
  chroot: 161,
  mount: 165,
  umount2: 166,
  sethostname: 170,
  setdomainname: 171,
  gettid: 186,
  exit_group: 231,
  tgkill: 234,
  waitid: 247,
  openat: 257,
  unshare: 272,
  dup3: 292,
  prlimit64: 302,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  seccomp: 317,
  memfd_create: 319,
  bpf: 321,
  pidfd_send_signal: 424,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  pidfd_open: 434,
  close_range: 436,
  pidfd_getfd: 438,
  openat2: 437,
  mount_setattr: 442,
} as const;

export type SysnoName = keyof typeof sysno;

const names = new Map<number, string>(Object.entries(sysno).map(([name, nr]) => [nr, name]));

/** 'getpid' for 39; 'syscall_<n>' for a number this table lacks. */
export function sysnoName(nr: number): string {
  return names.get(nr) ?? `syscall_${nr}`;
}
