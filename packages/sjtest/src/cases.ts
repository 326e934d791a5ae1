/**
 * The cases: one row per promise. `both()` adds the i386 (`int 0x80`) variant of a row, with the id
 * `i386.<id>`. Shell rows run under busybox sh with $BB (busybox), $HOSTNAME_WANT, $SLEEPER, $TOKEN,
 * $ROOTMARK, $MARKER set, and print through `value X`, `ok`, `err ENAME`.
 */
import type { Case, Expect } from './case.js';

/** Denied: EPERM, EACCES, ENOSYS, or killed (SIGSYS). */
const DENIED: Expect = { errno: ['EPERM', 'EACCES', 'ENOSYS'], killed: true };
const FAMILY_REFUSED: Expect = {
  errno: ['EAFNOSUPPORT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EPERM', 'EACCES', 'ENOSYS'],
  killed: true,
};
const WORKS: Expect = { ok: true };

/** socket(2) arguments, spelled as the victim parses them: family,type,protocol. */
const AF = {
  UNIX: 1,
  INET: 2,
  INET6: 10,
  KEY: 15,
  NETLINK: 16,
  PACKET: 17,
  BLUETOOTH: 31,
  ALG: 38,
  VSOCK: 40,
};
const SOCK = { STREAM: 1, DGRAM: 2, RAW: 3, SEQPACKET: 5 };
const sock = (family: number, type: number, protocol = 0): string => `${family},${type},${protocol}`;

type Row = Omit<Case, 'victim'> & { victim?: Case['victim'] };

const v64 = (row: Row): Case => ({ victim: 'v64', ...row });

/** The 64-bit row and its i386 twin. */
function both(row: Row): Case[] {
  return [v64(row), { ...row, victim: 'v32', id: `i386.${row.id}`, tags: [...row.tags, 'i386'] }];
}

const filesystem: Case[] = [
  v64({
    id: 'fs.root',
    tags: ['fs'],
    promise: 'the root is the jail path',
    probe: 'root-marker',
    expect: { value: ['jail-root'] },
  }),
  v64({
    id: 'fs.setuid-host-user',
    tags: ['fs', 'escape'],
    promise:
      'a setuid file root makes in the jail does not run with euid 0 for a host user (the jail root given where host users can reach it)',
    probe: 'setuid-plant',
    solo: true,
    reachableRoot: true,
    expect: { value: ['not-root', 'not-setuid-root'], errno: ['EPERM', 'EACCES', 'EROFS'], refused: true },
  }),
  v64({
    id: 'fs.dotdot',
    tags: ['fs', 'escape'],
    promise: 'chdir("..") from / does not lead out',
    probe: 'dotdot',
    expect: { value: ['inside'] },
  }),
  v64({
    id: 'fs.symlink-absolute',
    tags: ['fs', 'escape'],
    promise: 'an absolute symlink to a host path does not lead out',
    probe: 'symlink',
    arg: 'link-absolute',
    expect: { value: ['inside'] },
  }),
  v64({
    id: 'fs.symlink-relative',
    tags: ['fs', 'escape'],
    promise: 'a ../../.. symlink does not lead out',
    probe: 'symlink',
    arg: 'link-relative',
    expect: { value: ['inside'] },
  }),
  ...both({
    id: 'fs.chroot-escape',
    tags: ['fs', 'escape'],
    promise: 'mkdir x; chroot x; chdir ../..; chroot . does not lead out',
    probe: 'chroot-escape',
    expect: { value: ['inside'], errno: ['EPERM', 'EACCES', 'ENOSYS'], killed: true },
  }),
  v64({
    id: 'fs.inherited-fd',
    tags: ['fs', 'escape'],
    promise: 'a directory fd inherited from the caller does not lead out',
    probe: 'fd-escape',
    expect: { value: ['inside'], errno: ['EBADF', 'EACCES', 'EPERM'] },
  }),
  v64({
    id: 'stdio.directory',
    tags: ['fs', 'stdio', 'escape'],
    promise: 'a directory outside given as stdin does not lead out (openat(0, ...), /proc/self/fd/0/...)',
    probe: 'stdin-directory',
    stdin: 'directory',
    expect: { value: ['inside'], errno: ['ENOTDIR', 'EBADF', 'EACCES', 'EPERM', 'ENOENT'] },
  }),
  v64({
    id: 'stdio.socket',
    tags: ['net', 'stdio', 'escape'],
    promise: "a connected socket given as stdin cannot be reconnected to the host's 127.0.0.1 service",
    probe: 'stdin-reconnect',
    stdin: 'socket',
    expect: {
      value: ['unanswered'],
      errno: ['ENOTSOCK', 'EBADF', 'EPERM', 'EACCES', 'ECONNREFUSED', 'ENETUNREACH', 'EINVAL'],
    },
  }),
  v64({
    id: 'stdio.terminal',
    tags: ['host', 'stdio', 'escape'],
    promise: "the caller's terminal as stdin keeps its size, modes, flow, input and mode bits",
    probe: 'stdin-terminal',
    stdin: 'terminal',
    expect: { value: ['unchanged'] },
  }),
  ...both({
    id: 'fs.open-by-handle',
    tags: ['fs', 'escape', 'closed'],
    promise: 'open_by_handle_at does not open a file outside',
    probe: 'handle-escape',
    expect: { ...DENIED, value: ['inside'], inconclusive: ['ESTALE'] },
  }),
  v64({
    id: 'fs.proc-pid',
    tags: ['fs', 'proc'],
    promise: '/proc does not show a process outside',
    probe: 'proc-pid',
    expect: { value: ['hidden'] },
  }),
  v64({
    id: 'fs.proc-sys',
    tags: ['fs', 'proc'],
    promise: '/proc/sys is read-only or absent (open O_WRONLY only)',
    probe: 'open-wronly',
    arg: '/proc/sys/kernel/hostname',
    expect: { errno: ['EROFS', 'ENOENT', 'EACCES', 'EPERM'] },
  }),
  v64({
    id: 'fs.proc-sys-vm',
    tags: ['fs', 'proc'],
    promise: '/proc/sys/vm is read-only or absent (open O_WRONLY only)',
    probe: 'open-wronly',
    arg: '/proc/sys/vm/drop_caches',
    expect: { errno: ['EROFS', 'ENOENT', 'EACCES', 'EPERM'] },
  }),
  v64({
    id: 'fs.sysrq-trigger',
    tags: ['fs', 'proc'],
    promise: '/proc/sysrq-trigger is read-only or absent (open O_WRONLY only)',
    probe: 'open-wronly',
    arg: '/proc/sysrq-trigger',
    expect: { errno: ['EROFS', 'ENOENT', 'EACCES', 'EPERM'] },
  }),
  v64({
    id: 'fs.sys',
    tags: ['fs'],
    promise: '/sys is read-only or absent (open O_WRONLY only)',
    probe: 'open-wronly',
    arg: '/sys/kernel/profiling',
    expect: { errno: ['EROFS', 'ENOENT', 'EACCES', 'EPERM'] },
  }),
  v64({
    id: 'fs.dev-mem',
    tags: ['fs', 'dev'],
    promise: '/dev/mem cannot be opened (open O_RDONLY only)',
    probe: 'open-rdonly',
    arg: '/dev/mem',
    expect: { errno: ['ENOENT', 'EACCES', 'EPERM'] },
  }),
  v64({
    id: 'fs.dev-block',
    tags: ['fs', 'dev'],
    promise: 'no host block device can be opened from /dev (open O_RDONLY only)',
    probe: 'dev-block',
    expect: { errno: ['ENOENT', 'EACCES', 'EPERM', 'ENXIO'] },
  }),
  v64({
    id: 'fs.cgroup-procs',
    tags: ['fs', 'net'],
    promise: 'no cgroup2 cgroup.procs is writable: the jail cannot leave its cgroup (open O_WRONLY only)',
    probe: 'cgroup-procs',
    expect: { errno: ['ENOENT', 'EROFS', 'EACCES', 'EPERM'] },
  }),
];

const processes: Case[] = [
  ...both({
    id: 'proc.kill',
    tags: ['proc'],
    promise: 'kill(pid, 0) does not reach a process outside',
    probe: 'kill-sleeper',
    expect: { errno: ['ESRCH', 'EPERM'], killed: true },
  }),
  ...both({
    id: 'proc.ptrace',
    tags: ['proc'],
    promise: 'ptrace cannot attach to a process outside',
    probe: 'ptrace-sleeper',
    expect: { errno: ['ESRCH', 'EPERM', 'EACCES', 'ENOSYS'], killed: true },
  }),
  ...both({
    id: 'proc.process-vm-readv',
    tags: ['proc'],
    promise: 'process_vm_readv cannot read a process outside',
    probe: 'vmread-sleeper',
    expect: { errno: ['ESRCH', 'EPERM', 'EACCES', 'ENOSYS'], killed: true },
  }),
  ...both({
    id: 'proc.pidfd-open',
    tags: ['proc'],
    promise: 'pidfd_open does not open a process outside',
    probe: 'pidfd-sleeper',
    expect: { errno: ['ESRCH', 'EPERM', 'EACCES', 'ENOSYS'], killed: true },
  }),
  ...both({
    id: 'proc.init-ptrace',
    tags: ['proc', 'init'],
    promise: "the jail's PID 1 (the tool's, with its channels out) cannot be traced",
    probe: 'init',
    arg: 'ptrace',
    expect: { errno: ['EPERM', 'EACCES', 'ENOSYS'], killed: true },
  }),
  ...both({
    id: 'proc.init-vmread',
    tags: ['proc', 'init'],
    promise: "the jail's PID 1 cannot be read with process_vm_readv (EFAULT = permission passed)",
    probe: 'init',
    arg: 'vmread',
    expect: { errno: ['EPERM', 'EACCES', 'ENOSYS'], killed: true },
  }),
  ...both({
    id: 'proc.init-getfd',
    tags: ['proc', 'init'],
    promise: "the jail's PID 1 cannot have its file descriptors taken (pidfd_getfd)",
    probe: 'init',
    arg: 'getfd',
    expect: { errno: ['EPERM', 'EACCES', 'ENOSYS'], killed: true, inconclusive: ['EBADF'] },
  }),
];

const hostname: Case[] = [
  v64({
    id: 'host.uname',
    tags: ['hostname'],
    promise: 'uname shows the jail hostname',
    probe: 'uname',
    expect: { value: ['{hostname}'] },
  }),
  v64({
    id: 'host.gethostname',
    tags: ['hostname'],
    promise: 'gethostname shows the jail hostname',
    probe: 'gethostname',
    expect: { value: ['{hostname}'] },
  }),
  ...both({
    id: 'host.sethostname',
    tags: ['hostname'],
    promise: "sethostname never changes the host's name",
    probe: 'sethostname',
    expect: { ...DENIED, value: ['jail-only', 'ignored'] },
  }),
  ...both({
    id: 'host.setdomainname',
    tags: ['hostname', 'closed'],
    promise: 'setdomainname is denied (EPERM)',
    probe: 'setdomainname',
    expect: DENIED,
  }),
];

const network: Case[] = [
  ...both({
    id: 'net.af-packet',
    tags: ['net', 'socket'],
    promise: 'AF_PACKET sockets are refused',
    probe: 'socket',
    arg: sock(AF.PACKET, SOCK.RAW),
    expect: FAMILY_REFUSED,
  }),
  ...both({
    id: 'net.netlink-sock-diag',
    tags: ['net', 'socket'],
    promise: 'netlink other than ROUTE (NETLINK_SOCK_DIAG) is refused',
    probe: 'socket',
    arg: sock(AF.NETLINK, SOCK.RAW, 4),
    expect: FAMILY_REFUSED,
  }),
  v64({
    id: 'net.netlink-audit',
    tags: ['net', 'socket'],
    promise: 'netlink other than ROUTE (NETLINK_AUDIT) is refused',
    probe: 'socket',
    arg: sock(AF.NETLINK, SOCK.RAW, 9),
    expect: FAMILY_REFUSED,
  }),
  ...both({
    id: 'net.af-alg',
    tags: ['net', 'socket'],
    promise: 'AF_ALG sockets are refused',
    probe: 'socket',
    arg: sock(AF.ALG, SOCK.SEQPACKET),
    expect: FAMILY_REFUSED,
  }),
  v64({
    id: 'net.af-vsock',
    tags: ['net', 'socket'],
    promise: 'AF_VSOCK sockets are refused',
    probe: 'socket',
    arg: sock(AF.VSOCK, SOCK.STREAM),
    expect: FAMILY_REFUSED,
  }),
  v64({
    id: 'net.af-key',
    tags: ['net', 'socket'],
    promise: 'AF_KEY sockets are refused',
    probe: 'socket',
    arg: sock(AF.KEY, SOCK.RAW, 2),
    expect: FAMILY_REFUSED,
  }),
  ...both({
    id: 'net.raw-inet',
    tags: ['net', 'socket'],
    promise: 'raw IPv4 sockets are denied (EPERM)',
    probe: 'socket',
    arg: sock(AF.INET, SOCK.RAW, 1),
    expect: FAMILY_REFUSED,
  }),
  ...both({
    id: 'net.ping-socket',
    tags: ['net', 'socket'],
    promise:
      'ICMP "ping" sockets are refused (their sends bypass the address hooks; the host may refuse them too)',
    probe: 'socket',
    arg: sock(AF.INET, SOCK.DGRAM, 1),
    expect: FAMILY_REFUSED,
  }),
  v64({
    id: 'net.raw-inet6',
    tags: ['net', 'socket'],
    promise: 'raw IPv6 sockets are denied',
    probe: 'socket',
    arg: sock(AF.INET6, SOCK.RAW, 58),
    expect: FAMILY_REFUSED,
  }),
  ...both({
    id: 'net.ipv6',
    tags: ['net', 'socket'],
    promise: 'without an IPv6 address, AF_INET6 sockets are refused (EAFNOSUPPORT)',
    probe: 'socket',
    arg: sock(AF.INET6, SOCK.STREAM),
    expect: FAMILY_REFUSED,
  }),
  ...both({
    id: 'net.bind-any',
    tags: ['net', 'address'],
    promise: 'bind(INADDR_ANY) becomes the jail address',
    probe: 'bind-check',
    arg: '0.0.0.0',
    expect: { value: ['{ip}'] },
  }),
  ...both({
    id: 'net.bind-loopback',
    tags: ['net', 'address'],
    promise: 'bind(127.0.0.1) becomes the jail address',
    probe: 'bind-check',
    arg: '127.0.0.1',
    expect: { value: ['{ip}'] },
  }),
  ...both({
    id: 'net.bind-other',
    tags: ['net', 'address'],
    promise: 'bind to another address fails EADDRNOTAVAIL',
    probe: 'bind-check',
    arg: 'other',
    expect: { errno: ['EADDRNOTAVAIL', 'EPERM', 'EACCES'] },
  }),
  ...both({
    id: 'net.connect-source',
    tags: ['net', 'address'],
    promise: 'connect without bind uses the jail address as source',
    probe: 'connect-source',
    arg: 'jail',
    expect: { value: ['{ip}'] },
  }),
  ...both({
    id: 'net.connect-loopback',
    tags: ['net', 'address'],
    promise: 'connect to 127.0.0.1 reaches the jail address',
    probe: 'connect-source',
    arg: '127.0.0.1',
    expect: { value: ['{ip}'] },
  }),
  ...both({
    id: 'net.udp-source',
    tags: ['net', 'address'],
    promise: 'UDP sendto without bind has the jail address as source',
    probe: 'udp-source',
    expect: { value: ['{ip}'] },
  }),
  ...both({
    id: 'net.udp-pktinfo',
    tags: ['net', 'address'],
    promise: 'UDP sendmsg from an unbound socket cannot pick another source address with IP_PKTINFO',
    probe: 'udp-pktinfo',
    arg: 'unbound',
    expect: {
      value: ['{ip}'],
      errno: ['EPERM', 'EACCES', 'EADDRNOTAVAIL', 'EINVAL'],
      inconclusive: ['lost'],
    },
  }),
  ...both({
    id: 'net.udp-pktinfo-bound',
    tags: ['net', 'address'],
    promise: 'UDP sendmsg from a socket bound to the jail address cannot pick another source with IP_PKTINFO',
    probe: 'udp-pktinfo',
    arg: 'bound',
    expect: {
      value: ['{ip}'],
      errno: ['EPERM', 'EACCES', 'EADDRNOTAVAIL', 'EINVAL'],
      inconclusive: ['lost'],
    },
  }),
  ...both({
    id: 'net.loopback-service-tcp',
    tags: ['net', 'address', 'escape'],
    promise: "connect to 127.0.0.1 does not reach the host's service bound to 127.0.0.1 only",
    probe: 'loopback-service',
    arg: 'tcp',
    expect: { errno: ['ECONNREFUSED', 'EPERM', 'EACCES', 'ENETUNREACH'], value: ['unanswered'] },
  }),
  ...both({
    id: 'net.loopback-service-udp',
    tags: ['net', 'address', 'escape'],
    promise: "a datagram to 127.0.0.1 does not reach the host's service bound to 127.0.0.1 only",
    probe: 'loopback-service',
    arg: 'udp',
    expect: { errno: ['ECONNREFUSED', 'EPERM', 'EACCES', 'ENETUNREACH'], value: ['unanswered'] },
  }),
  ...both({
    id: 'net.unix-abstract',
    tags: ['net', 'unix', 'escape'],
    promise: "a host's abstract UNIX stream socket (a service outside, no file) cannot be connected to",
    probe: 'unix-abstract',
    arg: 'stream',
    // ECONNREFUSED: the listener exists in the host's network namespace, the jail does not see it
    expect: { errno: ['EPERM', 'EACCES', 'ECONNREFUSED', 'ENOENT'], killed: true },
  }),
  v64({
    id: 'net.unix-abstract-squat',
    tags: ['net', 'unix', 'escape'],
    promise:
      'a host client connecting to an abstract UNIX name does not reach a socket the jail bound to it (squatting)',
    probe: 'abstract-squat',
    expect: { errno: ['EPERM', 'EACCES'], value: ['unanswered'] },
  }),
  ...both({
    id: 'net.unix-abstract-dgram',
    tags: ['net', 'unix', 'escape'],
    promise: "no datagram reaches a host's abstract UNIX datagram socket",
    probe: 'unix-abstract',
    arg: 'dgram',
    expect: { errno: ['EPERM', 'EACCES', 'ECONNREFUSED', 'ENOENT'], killed: true },
  }),
  ...both({
    id: 'net.listen-unbound',
    tags: ['net', 'address'],
    promise: 'listen() on a never-bound socket listens on the jail address only',
    probe: 'listen-unbound',
    expect: { value: ['{ip}'] },
  }),
  ...both({
    id: 'net.race-bind',
    tags: ['net', 'race'],
    promise: 'a thread flipping the sockaddr during bind never yields a forbidden address',
    probe: 'race-bind',
    arg: '20000',
    expect: { value: ['never'] },
  }),
  ...both({
    id: 'net.race-connect',
    tags: ['net', 'race'],
    promise: 'a thread flipping the sockaddr during connect never yields a forbidden source',
    probe: 'race-connect',
    arg: '10000',
    expect: { value: ['never'] },
  }),
];

const closed: Case[] = [
  ...both({
    id: 'ipc.shmget',
    tags: ['ipc', 'closed'],
    promise: 'SysV shmget fails ENOSYS',
    probe: 'shmget',
    expect: DENIED,
  }),
  ...both({
    id: 'ipc.semget',
    tags: ['ipc', 'closed'],
    promise: 'SysV semget fails ENOSYS',
    probe: 'semget',
    expect: DENIED,
  }),
  ...both({
    id: 'ipc.msgget',
    tags: ['ipc', 'closed'],
    promise: 'SysV msgget fails ENOSYS',
    probe: 'msgget',
    expect: DENIED,
  }),
  ...both({
    id: 'fs.chattr-immutable',
    tags: ['fs', 'closed'],
    promise: 'chattr +i (FS_IOC_SETFLAGS FS_IMMUTABLE_FL) fails EPERM',
    probe: 'chattr-immutable',
    expect: DENIED,
  }),
  ...both({
    id: 'fs.fsxattr-immutable',
    tags: ['fs', 'closed'],
    promise: 'the immutable flag through FS_IOC_FSSETXATTR (FS_XFLAG_IMMUTABLE) fails EPERM',
    probe: 'fsxattr-immutable',
    expect: DENIED,
  }),
  ...both({
    id: 'rlimit.raise',
    tags: ['rlimit'],
    promise: 'raising a hard rlimit (setrlimit) fails EPERM',
    probe: 'rlimit-raise',
    arg: 'setrlimit',
    expect: DENIED,
  }),
  ...both({
    id: 'rlimit.prlimit-raise',
    tags: ['rlimit'],
    promise: 'raising a hard rlimit (prlimit64) fails EPERM',
    probe: 'rlimit-raise',
    arg: 'prlimit',
    expect: DENIED,
  }),
  ...both({
    id: 'rlimit.race-setrlimit',
    tags: ['rlimit', 'race'],
    promise: 'setrlimit never raises a hard limit while a thread flips the new limit to a raise',
    probe: 'rlimit-race',
    arg: 'setrlimit',
    expect: { value: ['never'] },
  }),
  ...both({
    id: 'rlimit.race-prlimit',
    tags: ['rlimit', 'race'],
    promise: 'prlimit64 never raises a hard limit while a thread flips the new limit to a raise',
    probe: 'rlimit-race',
    arg: 'prlimit',
    expect: { value: ['never'] },
  }),
  ...both({
    id: 'reboot.reach',
    tags: ['reboot', 'closed'],
    promise: 'reboot() cannot reach the host (bad magic: EINVAL in the host = reachable)',
    probe: 'reboot-magic',
    expect: { ...DENIED, value: ['reached-jail'] },
  }),
  v64({
    id: 'reboot.shutdown',
    tags: ['reboot'],
    promise:
      'reboot(POWER_OFF) shuts the jail down, never the host (called only once proved outside the host PID namespace)',
    probe: 'reboot',
    solo: true,
    // exited-0: the kernel's reboot(2) in a PID namespace kills its init and ends the caller (do_exit(0))
    // without returning; the victim's parent may still report that before the namespace's SIGKILL lands
    expect: { ended: true, errno: ['EPERM', 'EACCES', 'ENOSYS'], killed: true, value: ['exited-0'] },
  }),
  ...both({
    id: 'sys.mount',
    tags: ['closed', 'mount'],
    promise: 'mount (tmpfs on a temp dir inside the root) is denied',
    probe: 'mount',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.fsopen',
    tags: ['closed', 'mount'],
    promise: 'fsopen (new mount API) is denied',
    probe: 'fsopen',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.init-module',
    tags: ['closed', 'module'],
    promise: 'init_module is denied',
    probe: 'init-module',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.finit-module',
    tags: ['closed', 'module'],
    promise: 'finit_module is denied',
    probe: 'finit-module',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.kexec-load',
    tags: ['closed'],
    promise: 'kexec_load is denied',
    probe: 'kexec-load',
    expect: DENIED,
  }),
  ...both({ id: 'sys.iopl', tags: ['closed'], promise: 'iopl is denied', probe: 'iopl', expect: DENIED }),
  ...both({
    id: 'sys.ioperm',
    tags: ['closed'],
    promise: 'ioperm is denied',
    probe: 'ioperm',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.clock-settime',
    tags: ['closed', 'time'],
    promise: 'clock_settime is denied',
    probe: 'clock-settime',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.settimeofday',
    tags: ['closed', 'time'],
    promise: 'settimeofday is denied',
    probe: 'settimeofday',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.swapon',
    tags: ['closed'],
    promise: 'swapon is denied',
    probe: 'swapon',
    expect: DENIED,
  }),
  ...both({ id: 'sys.acct', tags: ['closed'], promise: 'acct is denied', probe: 'acct', expect: DENIED }),
  ...both({ id: 'sys.bpf', tags: ['closed'], promise: 'bpf is denied', probe: 'bpf', expect: DENIED }),
  ...both({
    id: 'sys.perf-event-open',
    tags: ['closed'],
    promise: 'perf_event_open is denied',
    probe: 'perf-event-open',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.userfaultfd',
    tags: ['closed'],
    promise: 'userfaultfd is denied',
    probe: 'userfaultfd',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.io-uring-setup',
    tags: ['closed'],
    promise: 'io_uring_setup is denied',
    probe: 'io-uring-setup',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.keyctl',
    tags: ['closed', 'keys'],
    promise: 'keyctl is denied',
    probe: 'keyctl',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.add-key',
    tags: ['closed', 'keys'],
    promise: 'add_key is denied',
    probe: 'add-key',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.mknod-char',
    tags: ['closed', 'fs'],
    promise: 'mknod of a character device is denied',
    probe: 'mknod',
    arg: 'char',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.mknod-block',
    tags: ['closed', 'fs'],
    promise: 'mknod of a block device is denied',
    probe: 'mknod',
    arg: 'block',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.mknodat-char',
    tags: ['closed', 'fs'],
    promise: 'mknodat of a character device is denied',
    probe: 'mknod',
    arg: 'char-at',
    expect: DENIED,
  }),
  ...both({
    id: 'sys.mknodat-block',
    tags: ['closed', 'fs'],
    promise: 'mknodat of a block device is denied',
    probe: 'mknod',
    arg: 'block-at',
    expect: DENIED,
  }),
  ...['user', 'mnt', 'pid', 'net', 'uts', 'ipc', 'cgroup', 'time'].flatMap((ns) =>
    both({
      id: `ns.unshare-${ns}`,
      tags: ['closed', 'namespace'],
      promise: `unshare(CLONE_NEW${ns === 'mnt' ? 'NS' : ns.toUpperCase()}) is denied`,
      probe: 'unshare',
      arg: ns,
      expect: DENIED,
    }),
  ),
  ...both({
    id: 'ns.clone3-user',
    tags: ['closed', 'namespace'],
    promise: 'clone3(CLONE_NEWUSER) is denied',
    probe: 'clone3',
    expect: DENIED,
  }),
  ...both({
    id: 'ns.setns',
    tags: ['closed', 'namespace'],
    promise: 'setns is denied',
    probe: 'setns',
    expect: DENIED,
  }),
  ...both({
    id: 'tty.tiocsti',
    tags: ['closed', 'tty'],
    promise: 'TIOCSTI on a terminal is denied',
    probe: 'tiocsti',
    expect: { ...DENIED, errno: ['EPERM', 'EACCES', 'ENOSYS', 'EIO'], inconclusive: ['ENOTTY'] },
  }),
  ...both({
    id: 'caps.effective',
    tags: ['caps'],
    promise: 'effective capabilities hold nothing that undoes the jail',
    probe: 'caps-effective',
    expect: { value: ['none'] },
  }),
  ...both({
    id: 'caps.bounding',
    tags: ['caps'],
    promise: 'the bounding set holds nothing that undoes the jail',
    probe: 'caps-bounding',
    expect: { value: ['none'] },
  }),
];

const entryPoints: Case[] = [
  v64({
    id: 'x32.getpid',
    tags: ['x32', 'arch'],
    promise: 'an x32 call (nr | 0x40000000) is never executed',
    probe: 'x32-getpid',
    expect: DENIED,
  }),
  v64({
    id: 'x32.socket',
    tags: ['x32', 'arch'],
    promise: 'x32 socket(AF_PACKET) is never executed',
    probe: 'x32',
    arg: 'socket',
    expect: { ...DENIED, errno: [...FAMILY_REFUSED.errno!] },
  }),
  v64({
    id: 'x32.shmget',
    tags: ['x32', 'arch'],
    promise: 'x32 shmget is never executed',
    probe: 'x32',
    arg: 'shmget',
    expect: DENIED,
  }),
  v64({
    id: 'int80.socket',
    tags: ['int80', 'arch'],
    promise: 'int 0x80 from 64-bit code: socket(AF_PACKET) is refused',
    probe: 'int80',
    arg: 'socket',
    expect: FAMILY_REFUSED,
  }),
  v64({
    id: 'int80.shmget',
    tags: ['int80', 'arch'],
    promise: 'int 0x80 from 64-bit code: shmget fails',
    probe: 'int80',
    arg: 'shmget',
    expect: DENIED,
  }),
  v64({
    id: 'int80.unshare',
    tags: ['int80', 'arch'],
    promise: 'int 0x80 from 64-bit code: unshare(CLONE_NEWUSER) is denied',
    probe: 'int80',
    arg: 'unshare',
    expect: DENIED,
  }),
  {
    id: 'i386.socketcall.af-packet',
    tags: ['net', 'socket', 'i386', 'socketcall'],
    victim: 'v32',
    promise: 'socketcall(SYS_SOCKET, AF_PACKET) is refused',
    probe: 'socketcall-socket',
    arg: sock(AF.PACKET, SOCK.RAW),
    expect: FAMILY_REFUSED,
  },
  {
    id: 'i386.socketcall.ping',
    tags: ['net', 'socket', 'i386', 'socketcall'],
    victim: 'v32',
    promise: 'socketcall(SYS_SOCKET, AF_INET, SOCK_DGRAM, IPPROTO_ICMP) is refused',
    probe: 'socketcall-socket',
    arg: sock(AF.INET, SOCK.DGRAM, 1),
    expect: FAMILY_REFUSED,
  },
  {
    id: 'i386.socketcall.raw-inet',
    tags: ['net', 'socket', 'i386', 'socketcall'],
    victim: 'v32',
    promise: 'socketcall(SYS_SOCKET, SOCK_RAW) is denied',
    probe: 'socketcall-socket',
    arg: sock(AF.INET, SOCK.RAW, 1),
    expect: FAMILY_REFUSED,
  },
  {
    id: 'i386.socketcall.bind-other',
    tags: ['net', 'address', 'i386', 'socketcall'],
    victim: 'v32',
    promise: 'socketcall(SYS_BIND) to another address fails',
    probe: 'socketcall-bind',
    arg: 'other',
    expect: { errno: ['EADDRNOTAVAIL', 'EPERM', 'EACCES'] },
  },
  {
    id: 'i386.socketcall.bind-any',
    tags: ['net', 'address', 'i386', 'socketcall'],
    victim: 'v32',
    promise: 'socketcall(SYS_BIND, INADDR_ANY) becomes the jail address',
    probe: 'socketcall-bind',
    arg: '0.0.0.0',
    expect: { value: ['{ip}'] },
  },
  {
    id: 'i386.socketcall.race-bind',
    tags: ['net', 'race', 'i386', 'socketcall'],
    victim: 'v32',
    promise: 'flipping the sockaddr during socketcall(SYS_BIND) never yields a forbidden address',
    probe: 'race-bind-socketcall',
    arg: '20000',
    expect: { value: ['never'] },
  },
  ...['shmget', 'semget', 'msgget'].map(
    (call): Case => ({
      id: `i386.ipc-multiplexer.${call}`,
      tags: ['ipc', 'closed', 'i386', 'ipc-multiplexer'],
      victim: 'v32',
      promise: `ipc(${call.toUpperCase()}) through the multiplexer fails ENOSYS`,
      probe: 'ipc',
      arg: call,
      expect: DENIED,
    }),
  ),
];

const functional: Case[] = [
  ...both({
    id: 'func.fork-exec-wait',
    tags: ['functional'],
    promise: 'fork, exec and wait work',
    functional: true,
    probe: 'fork-exec-wait',
    expect: { value: ['exit-7'] },
  }),
  v64({
    id: 'func.pipe',
    tags: ['functional'],
    promise: 'pipes work',
    functional: true,
    probe: 'pipe',
    expect: { value: ['ping'] },
  }),
  ...both({
    id: 'func.threads',
    tags: ['functional'],
    promise: 'threads work',
    functional: true,
    probe: 'threads',
    expect: { value: ['4000'] },
  }),
  v64({
    id: 'func.signals',
    tags: ['functional'],
    promise: 'signals inside the jail work',
    functional: true,
    probe: 'signals',
    expect: { value: ['delivered'] },
  }),
  ...both({
    id: 'func.files',
    tags: ['functional'],
    promise: 'files under the root can be created, renamed, read, removed',
    functional: true,
    probe: 'files',
    expect: { value: ['content'] },
  }),
  v64({
    id: 'func.unix-socket',
    tags: ['functional'],
    promise: 'unix sockets work',
    functional: true,
    probe: 'unix-socket',
    expect: { value: ['unix'] },
  }),
  ...both({
    id: 'func.unix-abstract-own',
    tags: ['functional', 'unix'],
    promise: "the jail's own abstract unix sockets work",
    functional: true,
    probe: 'unix-socket',
    arg: 'abstract',
    expect: { value: ['unix'] },
  }),
  ...both({
    id: 'func.tcp-jail-ip',
    tags: ['functional'],
    promise: 'listening on and connecting to the jail address work',
    functional: true,
    probe: 'tcp-jail-ip',
    expect: { value: ['tcp'] },
  }),
  v64({
    id: 'func.netlink-route',
    tags: ['functional'],
    promise: 'netlink ROUTE sockets can be created',
    functional: true,
    probe: 'netlink-route',
    expect: WORKS,
  }),
  ...both({
    id: 'func.plain',
    tags: ['functional'],
    promise: 'ordinary calls (getpid, write) work',
    functional: true,
    probe: 'plain',
    expect: WORKS,
  }),
  v64({
    id: 'func.rlimit-lower',
    tags: ['functional', 'rlimit'],
    promise: 'lowering a hard rlimit works',
    functional: true,
    probe: 'rlimit-lower',
    expect: WORKS,
  }),
];

const sh = (row: Omit<Case, 'victim' | 'tags'> & { tags?: readonly string[] }): Case => ({
  ...row,
  victim: 'sh',
  tags: ['shell', ...(row.tags ?? [])],
});

/**
 * Is an existing file writable? `[ -w ]` cannot tell: busybox test answers yes to root without asking
 * the kernel (a read-only mount included). So the file is opened for append (no O_TRUNC) and closed,
 * nothing written; `-e` first, so that the open's O_CREAT never creates a file.
 */
const writableProbe = (path: string): string =>
  `if [ ! -e ${path} ]; then value absent; elif (true >> ${path}) 2>/dev/null; then value writable; else value read-only; fi`;

const shell: Case[] = [
  sh({
    id: 'sh.hostname',
    tags: ['hostname'],
    promise: 'hostname(1) shows the jail hostname',
    probe: 'value "$($BB hostname)"',
    expect: { value: ['{hostname}'] },
  }),
  sh({
    id: 'sh.uname',
    tags: ['hostname'],
    promise: 'uname -n shows the jail hostname',
    probe: 'value "$($BB uname -n)"',
    expect: { value: ['{hostname}'] },
  }),
  sh({
    id: 'sh.root',
    tags: ['fs'],
    promise: 'the root is the jail path',
    probe:
      'if $BB grep -q "$TOKEN" "$ROOTMARK" 2>/dev/null; then value jail-root; else value not-jail-root; fi',
    expect: { value: ['jail-root'] },
  }),
  sh({
    id: 'sh.outside-marker',
    tags: ['fs', 'escape'],
    promise: 'a host path outside the root is not visible',
    probe: 'if $BB grep -q "$TOKEN" "$MARKER" 2>/dev/null; then value outside; else value inside; fi',
    expect: { value: ['inside'] },
  }),
  sh({
    id: 'sh.proc-pid',
    tags: ['proc'],
    promise: '/proc does not list the process outside',
    probe:
      'if $BB grep -q "$TOKEN" /proc/$SLEEPER/cmdline 2>/dev/null; then value visible; else value hidden; fi',
    expect: { value: ['hidden'] },
  }),
  sh({
    id: 'sh.proc-sys',
    tags: ['proc'],
    promise: '/proc/sys is not writable (opened for append and closed, nothing written)',
    probe: writableProbe('/proc/sys/kernel/hostname'),
    expect: { value: ['read-only', 'absent'] },
  }),
  sh({
    id: 'sh.sys',
    tags: ['fs'],
    promise: '/sys is not writable (opened for append and closed, nothing written)',
    probe: writableProbe('/sys/kernel/profiling'),
    expect: { value: ['read-only', 'absent'] },
  }),
  sh({
    id: 'sh.kill',
    tags: ['proc'],
    promise: 'kill -0 does not reach the process outside',
    probe: 'if $BB kill -0 $SLEEPER 2>/dev/null; then ok; else err ESRCH; fi',
    expect: { errno: ['ESRCH'] },
  }),
  sh({
    id: 'sh.works',
    tags: ['functional'],
    promise: 'a shell pipeline works',
    functional: true,
    probe: 'value "$(echo works | $BB cat)"',
    expect: { value: ['works'] },
  }),
];

/**
 * The same promises kept for a FreeBSD program: the FreeBSD victim (victims/freebsd/victim.c, raw FreeBSD
 * system calls) runs the probe of the 64-bit row of that id, named `freebsd.<id>`. Only tools that run
 * FreeBSD programs can keep them; for the others the runner reports them skipped. Socket families are
 * FreeBSD's numbers (AF_INET6 is 28); errnos are FreeBSD's, by name.
 */
const FREEBSD_AF = { INET: 2, INET6: 28 };
/**
 * A jail never sheds its caller's confinement: the tool is run by a caller that confined itself (the
 * victim's `confined` mode), and by a plain one for the control (see caller.ts). A tool that refuses to
 * run for the confined caller keeps the promise; one that starts the command elsewhere (a daemon, a
 * container engine) is where it breaks.
 */
const CALLER_KEPT: Expect = { value: ['confined', 'confined-anyway'], refused: true };
const caller: Case[] = [
  v64({
    id: 'caller.no-new-privs',
    tags: ['caller', 'escape'],
    promise:
      'a caller under no_new_privs gets a jailed command under no_new_privs (prctl(PR_GET_NO_NEW_PRIVS))',
    probe: 'caller-no-new-privs',
    caller: 'no-new-privs',
    solo: true,
    expect: CALLER_KEPT,
  }),
  v64({
    id: 'caller.seccomp',
    tags: ['caller', 'escape'],
    promise: "a caller's seccomp filter (getcpu refused with EPERM) still holds for the jailed command",
    probe: 'caller-seccomp',
    caller: 'seccomp',
    solo: true,
    expect: CALLER_KEPT,
  }),
  v64({
    id: 'caller.landlock',
    tags: ['caller', 'escape'],
    promise:
      "a caller's Landlock domain (no writing anywhere) still holds: the jailed command cannot create a file in the root's /tmp",
    probe: 'caller-landlock',
    caller: 'landlock',
    solo: true,
    // a tool whose jails cannot write there anyway proves nothing of the caller's domain
    expect: { value: ['confined'], refused: true, inconclusive: ['confined-anyway'] },
  }),
  v64({
    id: 'caller.bounding-set',
    tags: ['caller', 'caps', 'escape'],
    promise: "a caller's bounding set without CAP_FSETID gives a jailed command whose bounding set lacks it",
    probe: 'caller-bounding-set',
    caller: 'bounding-set',
    solo: true,
    expect: CALLER_KEPT,
  }),
];

const freebsdOf = (id: string, arg?: string): Case => {
  const row = [...filesystem, ...processes, ...hostname, ...network].find(
    (c) => c.id === id && c.victim === 'v64',
  );
  if (!row) throw new Error(`no 64-bit case ${id}`);
  return {
    ...row,
    id: `freebsd.${id}`,
    victim: 'fbsd',
    tags: [...row.tags, 'freebsd'],
    ...(arg === undefined ? {} : { arg }),
  };
};
const freebsd: Case[] = [
  freebsdOf('fs.root'),
  freebsdOf('fs.dotdot'),
  freebsdOf('fs.symlink-absolute'),
  freebsdOf('fs.symlink-relative'),
  freebsdOf('fs.chroot-escape'),
  freebsdOf('fs.inherited-fd'),
  freebsdOf('proc.kill'),
  freebsdOf('proc.ptrace'),
  freebsdOf('host.uname'),
  freebsdOf('host.gethostname'),
  freebsdOf('net.raw-inet', sock(FREEBSD_AF.INET, SOCK.RAW, 1)),
  freebsdOf('net.ping-socket', sock(FREEBSD_AF.INET, SOCK.DGRAM, 1)),
  freebsdOf('net.raw-inet6', sock(FREEBSD_AF.INET6, SOCK.RAW, 58)),
  freebsdOf('net.ipv6', sock(FREEBSD_AF.INET6, SOCK.STREAM)),
  freebsdOf('net.bind-any'),
  freebsdOf('net.bind-loopback'),
  freebsdOf('net.bind-other'),
  freebsdOf('net.connect-source'),
  freebsdOf('net.connect-loopback'),
  freebsdOf('net.udp-source'),
  freebsdOf('net.loopback-service-tcp'),
  freebsdOf('net.loopback-service-udp'),
  freebsdOf('net.unix-abstract'),
  freebsdOf('net.unix-abstract-dgram'),
  freebsdOf('net.listen-unbound'),
  freebsdOf('net.race-bind'),
];

/** Every case, in report order. */
export const cases: readonly Case[] = [
  ...filesystem,
  ...processes,
  ...hostname,
  ...network,
  ...closed,
  ...entryPoints,
  ...caller,
  ...functional,
  ...shell,
  ...freebsd,
];
