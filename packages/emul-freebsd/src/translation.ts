/**
 * How the FreeBSD system-call layer translates, as data: scripts/build-native.mjs generates the loader's
 * C tables from it. FreeBSD numbers come from here (FreeBSD headers); Linux numbers come from the
 * Linux UAPI headers at compile time, by the macro of the same name (`O_NONBLOCK`, `SIGUSR1`, ...).
 */

/** How one argument is converted before the Linux call. */
export type ArgConversion =
  | 'same'
  /** open(2) flags (O_*). */
  | 'openFlags'
  /** *at(2) flags (AT_*). */
  | 'atFlags'
  /** A signal number. */
  | 'signal'
  /** A clock id. */
  | 'clock'
  /** socket(2) type with SOCK_CLOEXEC/SOCK_NONBLOCK. */
  | 'socketType'
  /** A socket address family (AF_*). */
  | 'family'
  /** accept4/pipe2 flags (SOCK_CLOEXEC/SOCK_NONBLOCK or O_CLOEXEC/O_NONBLOCK). */
  | 'fdFlags'
  /** The leading `int` of a `how` argument of shutdown, lseek whence (same numbers, checked). */
  | 'int';

/**
 * A translated call: either the Linux call with converted arguments (`linux`, `args`), or a handler
 * in the loader (`handler`, named after the FreeBSD call) for calls with structures or semantics of
 * their own.
 */
export type Translation =
  | { readonly linux: string; readonly args?: readonly ArgConversion[] }
  | { readonly handler: string };

const same = (linux: string, args?: readonly ArgConversion[]): Translation =>
  args ? { linux, args } : { linux };
const handler = (name: string): Translation => ({ handler: name });

/** FreeBSD call name → translation. A call absent here fails with ENOSYS and is counted. */
export const translations: Readonly<Record<string, Translation>> = {
  exit: handler('exit'),
  fork: handler('fork'),
  vfork: handler('fork'),
  read: same('read'),
  write: same('write'),
  open: handler('open'),
  close: same('close'),
  wait4: handler('wait4'),
  link: same('link'),
  unlink: same('unlink'),
  chdir: same('chdir'),
  fchdir: same('fchdir'),
  chmod: same('chmod'),
  chown: same('chown'),
  getpid: same('getpid'),
  setuid: same('setuid'),
  getuid: same('getuid'),
  geteuid: same('geteuid'),
  recvfrom: handler('recvfrom'),
  accept: handler('accept'),
  getpeername: handler('getpeername'),
  getsockname: handler('getsockname'),
  access: same('access'),
  sync: same('sync'),
  kill: same('kill', ['same', 'signal']),
  getppid: same('getppid'),
  dup: same('dup'),
  getegid: same('getegid'),
  getgid: same('getgid'),
  sigaltstack: handler('sigaltstack'),
  ioctl: handler('ioctl'),
  reboot: handler('reboot'),
  symlink: same('symlink'),
  readlink: same('readlink'),
  execve: handler('execve'),
  umask: same('umask'),
  msync: handler('msync'),
  munmap: same('munmap'),
  mprotect: same('mprotect'),
  madvise: handler('madvise'),
  getgroups: same('getgroups'),
  setgroups: same('setgroups'),
  getpgrp: same('getpgrp'),
  setpgid: same('setpgid'),
  getdtablesize: handler('getdtablesize'),
  dup2: same('dup2'),
  fcntl: handler('fcntl'),
  select: same('select'),
  fsync: same('fsync'),
  socket: handler('socket'),
  connect: handler('connect'),
  bind: handler('bind'),
  setsockopt: handler('setsockopt'),
  listen: same('listen'),
  gettimeofday: same('gettimeofday'),
  getrusage: same('getrusage'),
  getsockopt: handler('getsockopt'),
  readv: same('readv'),
  writev: same('writev'),
  fchown: same('fchown'),
  fchmod: same('fchmod'),
  setreuid: same('setreuid'),
  setregid: same('setregid'),
  rename: same('rename'),
  flock: same('flock'),
  sendto: handler('sendto'),
  shutdown: same('shutdown'),
  socketpair: handler('socketpair'),
  mkdir: same('mkdir'),
  rmdir: same('rmdir'),
  setsid: same('setsid'),
  sysarch: handler('sysarch'),
  setgid: same('setgid'),
  setegid: handler('setegid'),
  seteuid: handler('seteuid'),
  getrlimit: handler('getrlimit'),
  setrlimit: handler('setrlimit'),
  __sysctl: handler('__sysctl'),
  __sysctlbyname: handler('__sysctlbyname'),
  getpgid: same('getpgid'),
  poll: same('poll'),
  clock_gettime: same('clock_gettime', ['clock']),
  clock_getres: same('clock_getres', ['clock']),
  nanosleep: same('nanosleep'),
  clock_nanosleep: same('clock_nanosleep', ['clock']),
  issetugid: handler('issetugid'),
  lchown: same('lchown'),
  getsid: same('getsid'),
  setresuid: same('setresuid'),
  setresgid: same('setresgid'),
  getresuid: same('getresuid'),
  getresgid: same('getresgid'),
  __getcwd: handler('__getcwd'),
  sched_yield: same('sched_yield'),
  yield: same('sched_yield'),
  sigprocmask: handler('sigprocmask'),
  sigaction: handler('sigaction'),
  sigreturn: handler('sigreturn'),
  sigsuspend: handler('sigsuspend'),
  kqueue: handler('kqueue'),
  kevent: handler('kevent'),
  thr_new: handler('thr_new'),
  thr_self: handler('thr_self'),
  thr_exit: handler('thr_exit'),
  thr_kill: handler('thr_kill'),
  thr_kill2: handler('thr_kill2'),
  thr_set_name: handler('thr_set_name'),
  _umtx_op: handler('_umtx_op'),
  pread: same('pread64'),
  pwrite: same('pwrite64'),
  preadv: same('preadv'),
  pwritev: same('pwritev'),
  mmap: handler('mmap'),
  lseek: same('lseek'),
  truncate: same('truncate'),
  ftruncate: same('ftruncate'),
  cpuset_getaffinity: handler('cpuset_getaffinity'),
  cpuset_setaffinity: handler('cpuset_setaffinity'),
  faccessat: same('faccessat2', ['same', 'same', 'same', 'atFlags']),
  fchmodat: same('fchmodat', ['same', 'same', 'same']),
  fchownat: same('fchownat', ['same', 'same', 'same', 'same', 'atFlags']),
  linkat: same('linkat', ['same', 'same', 'same', 'same', 'atFlags']),
  mkdirat: same('mkdirat'),
  openat: handler('openat'),
  readlinkat: same('readlinkat'),
  renameat: same('renameat'),
  symlinkat: same('symlinkat'),
  unlinkat: same('unlinkat', ['same', 'same', 'atFlags']),
  accept4: handler('accept4'),
  pipe2: same('pipe2', ['same', 'fdFlags']),
  futimens: handler('futimens'),
  utimensat: handler('utimensat'),
  fdatasync: same('fdatasync'),
  fstat: handler('fstat'),
  fstatat: handler('fstatat'),
  getdirentries: handler('getdirentries'),
  getrandom: same('getrandom'),
  close_range: handler('close_range'),
  sched_getcpu: handler('sched_getcpu'),
  sigfastblock: handler('sigfastblock'),
  // SysV IPC: the jail's filter decides (ENOSYS unless allow.sysvipc). The flags (IPC_CREAT 01000,
  // IPC_EXCL 02000, IPC_NOWAIT 04000, SHM_RDONLY 010000, SHM_RND 020000, SEM_UNDO 010000, MSG_NOERROR
  // 010000), struct sembuf and a message's long type are the same on both; the *ctl calls are handlers.
  shmget: same('shmget'),
  shmat: same('shmat'),
  shmdt: same('shmdt'),
  shmctl: handler('shmctl'),
  semget: same('semget'),
  semop: same('semop'),
  __semctl: handler('__semctl'),
  msgget: same('msgget'),
  msgsnd: same('msgsnd'),
  msgrcv: same('msgrcv'),
  msgctl: handler('msgctl'),
};

/**
 * The commands of shmctl, msgctl and __semctl that carry no structure (FreeBSD's struct ipc_perm and
 * the *id_ds differ from Linux's): FreeBSD command (sys/ipc.h, sys/sem.h) → Linux name. IPC_STAT,
 * IPC_SET, GETALL and SETALL are not translated (EINVAL).
 */
export const ipcCommands: Readonly<Record<number, string>> = {
  0: 'IPC_RMID',
  3: 'GETNCNT',
  4: 'GETPID',
  5: 'GETVAL',
  7: 'GETZCNT',
  8: 'SETVAL',
};

/** Linux errnos with no FreeBSD errno of the same name → the FreeBSD errno by name; others get EINVAL. */
export const linuxErrnoAliases: Readonly<Record<string, string>> = {
  ENODATA: 'ENOATTR',
  ETIME: 'ETIMEDOUT',
  EREMOTEIO: 'EIO',
  ENOMEDIUM: 'ENXIO',
  ENONET: 'ENETDOWN',
  ECOMM: 'EIO',
  EBADFD: 'EBADF',
  ENOTUNIQ: 'EINVAL',
  ENOKEY: 'ENOENT',
  EKEYEXPIRED: 'EACCES',
  EKEYREVOKED: 'EACCES',
  EKEYREJECTED: 'EACCES',
  ERFKILL: 'ENETDOWN',
  EHWPOISON: 'EIO',
  ECHRNG: 'EINVAL',
  ENOSR: 'ENOBUFS',
  ENOSTR: 'EINVAL',
  ERESTART: 'EINTR',
  ESTRPIPE: 'EPIPE',
  EUCLEAN: 'EINTEGRITY',
  EISNAM: 'EINVAL',
  ENOTNAM: 'EINVAL',
  EMEDIUMTYPE: 'EFTYPE',
  ENOCSI: 'EINVAL',
  EL2HLT: 'EINVAL',
  EL2NSYNC: 'EINVAL',
  EL3HLT: 'EINVAL',
  EL3RST: 'EINVAL',
  ELNRNG: 'EINVAL',
  EUNATCH: 'EINVAL',
  EBADE: 'EINVAL',
  EBADR: 'EINVAL',
  EXFULL: 'ENOSPC',
  ENOANO: 'EINVAL',
  EBADRQC: 'EINVAL',
  EBADSLT: 'EINVAL',
  EBFONT: 'EINVAL',
  ENOPKG: 'ENOENT',
  EADV: 'EINVAL',
  ESRMNT: 'EINVAL',
  EDOTDOT: 'EINVAL',
  ELIBACC: 'ENOEXEC',
  ELIBBAD: 'ENOEXEC',
  ELIBSCN: 'ENOEXEC',
  ELIBMAX: 'ENOEXEC',
  ELIBEXEC: 'ENOEXEC',
};

/**
 * Calls of older FreeBSD ABIs (COMPAT11 slots, absent from the amd64 table) that programs built for
 * FreeBSD 11 still make: Go before 1.17 calls the FreeBSD 11 kevent. Number → name and handler.
 */
export const compatTranslations: Readonly<
  Record<number, { readonly name: string; readonly handler: string }>
> = {
  363: { name: 'freebsd11_kevent', handler: 'freebsd11_kevent' },
};

/** FreeBSD open(2) flags (sys/fcntl.h), converted bit by bit to the Linux macro of the same name. */
export const openFlags: Readonly<Record<string, number>> = {
  O_WRONLY: 0x1,
  O_RDWR: 0x2,
  O_NONBLOCK: 0x4,
  O_APPEND: 0x8,
  O_ASYNC: 0x40,
  O_SYNC: 0x80,
  O_NOFOLLOW: 0x100,
  O_CREAT: 0x200,
  O_TRUNC: 0x400,
  O_EXCL: 0x800,
  O_NOCTTY: 0x8000,
  O_DIRECT: 0x10000,
  O_DIRECTORY: 0x20000,
  O_CLOEXEC: 0x100000,
  O_PATH: 0x400000,
  O_DSYNC: 0x1000000,
};

/** FreeBSD open(2) flags with no Linux counterpart, dropped (O_SHLOCK/O_EXLOCK are refused). */
export const openFlagsDropped: Readonly<Record<string, number>> = {
  O_EXEC: 0x40000,
  O_TTY_INIT: 0x80000,
  O_VERIFY: 0x200000,
};
export const openFlagsRefused: Readonly<Record<string, number>> = {
  O_SHLOCK: 0x10,
  O_EXLOCK: 0x20,
  O_RESOLVE_BENEATH: 0x800000,
  O_EMPTY_PATH: 0x2000000,
};

/** FreeBSD *at(2) flags (sys/fcntl.h). */
export const atFlags: Readonly<Record<string, number>> = {
  AT_EACCESS: 0x100,
  AT_SYMLINK_NOFOLLOW: 0x200,
  AT_SYMLINK_FOLLOW: 0x400,
  AT_REMOVEDIR: 0x800,
  AT_EMPTY_PATH: 0x4000,
};

/** FreeBSD signal numbers (sys/signal.h); SIGRTMIN is 65. */
export const signals: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGBUS: 10,
  SIGSEGV: 11,
  SIGSYS: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGURG: 16,
  SIGSTOP: 17,
  SIGTSTP: 18,
  SIGCONT: 19,
  SIGCHLD: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGIO: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGUSR1: 30,
  SIGUSR2: 31,
};
/** FreeBSD signals Linux lacks (SIGEMT 7, SIGINFO 29, SIGTHR 32, SIGLIBRT 33): sending them fails with EINVAL. */
export const signalsWithoutLinux: Readonly<Record<string, number>> = {
  SIGEMT: 7,
  SIGINFO: 29,
  SIGTHR: 32,
  SIGLIBRT: 33,
};
/** FreeBSD's first realtime signal; FreeBSD SIGRTMIN + n is Linux SIGRTMIN + n. */
export const FREEBSD_SIGRTMIN = 65;

/** A FreeBSD number by its FreeBSD name, and the Linux one (by Linux name) it becomes. */
interface Mapped {
  readonly freebsd: number;
  readonly linux: string;
}
const byNumber = (m: Readonly<Record<string, Mapped>>): Readonly<Record<number, string>> =>
  Object.fromEntries(Object.values(m).map((v) => [v.freebsd, v.linux]));

/** FreeBSD clock ids (sys/_clock_id.h) → the Linux clock. */
export const clockIds: Readonly<Record<string, Mapped>> = {
  CLOCK_REALTIME: { freebsd: 0, linux: 'CLOCK_REALTIME' },
  CLOCK_PROF: { freebsd: 2, linux: 'CLOCK_PROCESS_CPUTIME_ID' },
  CLOCK_MONOTONIC: { freebsd: 4, linux: 'CLOCK_MONOTONIC' },
  CLOCK_UPTIME: { freebsd: 5, linux: 'CLOCK_BOOTTIME' },
  CLOCK_UPTIME_PRECISE: { freebsd: 7, linux: 'CLOCK_BOOTTIME' },
  CLOCK_UPTIME_FAST: { freebsd: 8, linux: 'CLOCK_BOOTTIME' },
  CLOCK_REALTIME_PRECISE: { freebsd: 9, linux: 'CLOCK_REALTIME' },
  CLOCK_REALTIME_FAST: { freebsd: 10, linux: 'CLOCK_REALTIME_COARSE' },
  CLOCK_MONOTONIC_PRECISE: { freebsd: 11, linux: 'CLOCK_MONOTONIC' },
  CLOCK_MONOTONIC_FAST: { freebsd: 12, linux: 'CLOCK_MONOTONIC_COARSE' },
  CLOCK_SECOND: { freebsd: 13, linux: 'CLOCK_REALTIME_COARSE' }, // rounded down by the loader
  CLOCK_THREAD_CPUTIME_ID: { freebsd: 14, linux: 'CLOCK_THREAD_CPUTIME_ID' },
  CLOCK_PROCESS_CPUTIME_ID: { freebsd: 15, linux: 'CLOCK_PROCESS_CPUTIME_ID' },
};
export const clocks = byNumber(clockIds);

/** FreeBSD resource limits (sys/resource.h) → Linux; FreeBSD-only ones (SBSIZE, NPTS, SWAP, ...) are absent (EINVAL). */
export const rlimitIds: Readonly<Record<string, Mapped>> = {
  RLIMIT_CPU: { freebsd: 0, linux: 'RLIMIT_CPU' },
  RLIMIT_FSIZE: { freebsd: 1, linux: 'RLIMIT_FSIZE' },
  RLIMIT_DATA: { freebsd: 2, linux: 'RLIMIT_DATA' },
  RLIMIT_STACK: { freebsd: 3, linux: 'RLIMIT_STACK' },
  RLIMIT_CORE: { freebsd: 4, linux: 'RLIMIT_CORE' },
  RLIMIT_RSS: { freebsd: 5, linux: 'RLIMIT_RSS' },
  RLIMIT_MEMLOCK: { freebsd: 6, linux: 'RLIMIT_MEMLOCK' },
  RLIMIT_NPROC: { freebsd: 7, linux: 'RLIMIT_NPROC' },
  RLIMIT_NOFILE: { freebsd: 8, linux: 'RLIMIT_NOFILE' },
  RLIMIT_AS: { freebsd: 10, linux: 'RLIMIT_AS' },
};
export const rlimits = byNumber(rlimitIds);

/** FreeBSD mmap(2) flags (sys/mman.h) with a Linux flag of their own. */
export const mmapFlags: Readonly<Record<string, { readonly freebsd: number; readonly linux: string }>> = {
  MAP_SHARED: { freebsd: 0x1, linux: 'MAP_SHARED' },
  MAP_PRIVATE: { freebsd: 0x2, linux: 'MAP_PRIVATE' },
  MAP_FIXED: { freebsd: 0x10, linux: 'MAP_FIXED' },
  MAP_STACK: { freebsd: 0x400, linux: 'MAP_STACK' },
  MAP_ANON: { freebsd: 0x1000, linux: 'MAP_ANONYMOUS' },
  MAP_32BIT: { freebsd: 0x80000, linux: 'MAP_32BIT' },
};
/** MAP_GUARD (a PROT_NONE reservation), MAP_EXCL (with MAP_FIXED: never replace), dropped hints. */
export const MAP_GUARD = 0x2000;
export const MAP_EXCL = 0x4000;
export const mmapFlagsDropped: Readonly<Record<string, number>> = {
  MAP_NOSYNC: 0x800,
  MAP_NOCORE: 0x20000,
  MAP_PREFAULT_READ: 0x40000,
};

/** FreeBSD madvise(2) advice (sys/mman.h) → Linux. NOSYNC and NOCORE have no Linux meaning but keeping the pages out of a core dump. */
export const madviseIds: Readonly<Record<string, Mapped>> = {
  MADV_NORMAL: { freebsd: 0, linux: 'MADV_NORMAL' },
  MADV_RANDOM: { freebsd: 1, linux: 'MADV_RANDOM' },
  MADV_SEQUENTIAL: { freebsd: 2, linux: 'MADV_SEQUENTIAL' },
  MADV_WILLNEED: { freebsd: 3, linux: 'MADV_WILLNEED' },
  MADV_DONTNEED: { freebsd: 4, linux: 'MADV_DONTNEED' },
  MADV_FREE: { freebsd: 5, linux: 'MADV_FREE' },
  MADV_NOSYNC: { freebsd: 6, linux: 'MADV_DONTDUMP' },
  MADV_NOCORE: { freebsd: 8, linux: 'MADV_DONTDUMP' },
  MADV_CORE: { freebsd: 9, linux: 'MADV_DODUMP' },
};
export const madvise = byNumber(madviseIds);

/** FreeBSD socket address families → Linux name. */
export const families: Readonly<Record<number, string>> = {
  0: 'AF_UNSPEC',
  1: 'AF_UNIX',
  2: 'AF_INET',
  28: 'AF_INET6',
};

/** Options FreeBSD spells differently (sys/socket.h, netinet/in.h, netinet/tcp.h): [level, name] → Linux. */
export const socketOptions: readonly {
  readonly freebsd: readonly [number, number];
  readonly linux: readonly [string, string];
}[] = [
  { freebsd: [0xffff, 0x0004], linux: ['SOL_SOCKET', 'SO_REUSEADDR'] },
  { freebsd: [0xffff, 0x0008], linux: ['SOL_SOCKET', 'SO_KEEPALIVE'] },
  { freebsd: [0xffff, 0x0020], linux: ['SOL_SOCKET', 'SO_BROADCAST'] },
  { freebsd: [0xffff, 0x0080], linux: ['SOL_SOCKET', 'SO_LINGER'] },
  { freebsd: [0xffff, 0x0200], linux: ['SOL_SOCKET', 'SO_REUSEPORT'] },
  { freebsd: [0xffff, 0x1001], linux: ['SOL_SOCKET', 'SO_SNDBUF'] },
  { freebsd: [0xffff, 0x1002], linux: ['SOL_SOCKET', 'SO_RCVBUF'] },
  { freebsd: [0xffff, 0x1007], linux: ['SOL_SOCKET', 'SO_ERROR'] },
  { freebsd: [0xffff, 0x1008], linux: ['SOL_SOCKET', 'SO_TYPE'] },
  { freebsd: [6, 0x01], linux: ['IPPROTO_TCP', 'TCP_NODELAY'] },
  { freebsd: [6, 0x100], linux: ['IPPROTO_TCP', 'TCP_KEEPIDLE'] },
  { freebsd: [6, 0x200], linux: ['IPPROTO_TCP', 'TCP_KEEPINTVL'] },
  { freebsd: [6, 0x400], linux: ['IPPROTO_TCP', 'TCP_KEEPCNT'] },
  { freebsd: [41, 27], linux: ['IPPROTO_IPV6', 'IPV6_V6ONLY'] },
  { freebsd: [0, 3], linux: ['IPPROTO_IP', 'IP_TOS'] },
  { freebsd: [0, 4], linux: ['IPPROTO_IP', 'IP_TTL'] },
];

/** A `__sysctl` value: a constant, or one the loader computes (`source`). */
export interface Sysctl {
  readonly name: string;
  /** FreeBSD's fixed OID; names without one get an OID from the loader's own range (0x1000 + index). */
  readonly oid?: readonly number[];
  readonly type: 'int' | 'long' | 'string' | 'opaque';
  readonly value?: number | string;
  readonly source?:
    | 'hostname'
    | 'ncpu'
    | 'physmem'
    | 'pagesize'
    | 'arandom'
    | 'pathname'
    | 'usrstack'
    | 'osrelease'
    | 'version';
}

/** The FreeBSD release the layer presents (kern.osrelease, kern.osreldate, AT_OSRELDATE). */
export const osrelease = '14.3-RELEASE';
export const osreldate = 1403000;

/** FreeBSD's fixed sysctl MIB numbers used here, by their sys/sys/sysctl.h names (checked against it). */
export const sysctlMib = {
  CTL_SYSCTL: 0,
  CTL_SYSCTL_NAME2OID: 3,
  CTL_KERN: 1,
  CTL_HW: 6,
  KERN_OSTYPE: 1,
  KERN_OSRELEASE: 2,
  KERN_OSREV: 3,
  KERN_VERSION: 4,
  KERN_MAXPROC: 6,
  KERN_MAXFILES: 7,
  KERN_ARGMAX: 8,
  KERN_SECURELVL: 9,
  KERN_HOSTNAME: 10,
  KERN_HOSTID: 11,
  KERN_PROC: 14,
  KERN_POSIX1: 17,
  KERN_NGROUPS: 18,
  KERN_OSRELDATE: 24,
  KERN_USRSTACK: 33,
  KERN_ARND: 37,
  KERN_PROC_PATHNAME: 12,
  HW_MACHINE: 1,
  HW_MODEL: 2,
  HW_NCPU: 3,
  HW_BYTEORDER: 4,
  HW_PHYSMEM: 5,
  HW_USERMEM: 6,
  HW_PAGESIZE: 7,
  HW_MACHINE_ARCH: 11,
  HW_REALMEM: 12,
} as const;
const mib = (...names: (keyof typeof sysctlMib)[]) => names.map((n) => sysctlMib[n]);

/** The `__sysctl` table: what a FreeBSD program can read (all read-only but kern.hostname, see README). */
export const sysctls: readonly Sysctl[] = [
  { name: 'kern.ostype', oid: mib('CTL_KERN', 'KERN_OSTYPE'), type: 'string', value: 'FreeBSD' },
  { name: 'kern.osrelease', oid: mib('CTL_KERN', 'KERN_OSRELEASE'), type: 'string', value: osrelease },
  { name: 'kern.osrevision', oid: mib('CTL_KERN', 'KERN_OSREV'), type: 'int', value: 199506 },
  { name: 'kern.version', oid: mib('CTL_KERN', 'KERN_VERSION'), type: 'string', source: 'version' },
  { name: 'kern.maxproc', oid: mib('CTL_KERN', 'KERN_MAXPROC'), type: 'int', value: 32768 },
  { name: 'kern.maxfiles', oid: mib('CTL_KERN', 'KERN_MAXFILES'), type: 'int', value: 1048576 },
  { name: 'kern.argmax', oid: mib('CTL_KERN', 'KERN_ARGMAX'), type: 'int', value: 2097152 },
  { name: 'kern.securelevel', oid: mib('CTL_KERN', 'KERN_SECURELVL'), type: 'int', value: -1 },
  { name: 'kern.hostname', oid: mib('CTL_KERN', 'KERN_HOSTNAME'), type: 'string', source: 'hostname' },
  { name: 'kern.hostid', oid: mib('CTL_KERN', 'KERN_HOSTID'), type: 'long', value: 0 },
  { name: 'kern.posix1version', oid: mib('CTL_KERN', 'KERN_POSIX1'), type: 'int', value: 200112 },
  { name: 'kern.ngroups', oid: mib('CTL_KERN', 'KERN_NGROUPS'), type: 'int', value: 1023 },
  { name: 'kern.osreldate', oid: mib('CTL_KERN', 'KERN_OSRELDATE'), type: 'int', value: osreldate },
  { name: 'kern.usrstack', oid: mib('CTL_KERN', 'KERN_USRSTACK'), type: 'long', source: 'usrstack' },
  { name: 'kern.arandom', oid: mib('CTL_KERN', 'KERN_ARND'), type: 'opaque', source: 'arandom' },
  {
    name: 'kern.proc.pathname',
    oid: mib('CTL_KERN', 'KERN_PROC', 'KERN_PROC_PATHNAME'),
    type: 'string',
    source: 'pathname',
  },
  { name: 'kern.smp.maxcpus', type: 'int', value: 256 },
  { name: 'kern.smp.cpus', type: 'int', source: 'ncpu' },
  { name: 'hw.machine', oid: mib('CTL_HW', 'HW_MACHINE'), type: 'string', value: 'amd64' },
  { name: 'hw.model', oid: mib('CTL_HW', 'HW_MODEL'), type: 'string', value: 'x86_64' },
  { name: 'hw.ncpu', oid: mib('CTL_HW', 'HW_NCPU'), type: 'int', source: 'ncpu' },
  { name: 'hw.byteorder', oid: mib('CTL_HW', 'HW_BYTEORDER'), type: 'int', value: 1234 },
  { name: 'hw.physmem', oid: mib('CTL_HW', 'HW_PHYSMEM'), type: 'long', source: 'physmem' },
  { name: 'hw.usermem', oid: mib('CTL_HW', 'HW_USERMEM'), type: 'long', source: 'physmem' },
  { name: 'hw.pagesize', oid: mib('CTL_HW', 'HW_PAGESIZE'), type: 'int', source: 'pagesize' },
  { name: 'hw.machine_arch', oid: mib('CTL_HW', 'HW_MACHINE_ARCH'), type: 'string', value: 'amd64' },
  { name: 'hw.realmem', oid: mib('CTL_HW', 'HW_REALMEM'), type: 'long', source: 'physmem' },
  { name: 'security.jail.jailed', type: 'int', value: 1 },
  { name: 'vm.overcommit', type: 'int', value: 0 },
];
