/**
 * The default jail policy over Linux syscall names: FreeBSD jail(2) semantics (the jail.* sysctls become
 * prison flags) on the layers of docs/design.md. Rules of one syscall are tried in order; the first
 * match wins; a call in the table with no rule is allowed; a number absent from the tables gets ENOSYS.
 */

import type { ArgTest, Decision, Policy, Prison, Rule } from '@sysjail/core';
import { allow, deny, notify } from '@sysjail/core';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_PACKET,
  AF_UNIX,
  CLONE_NEW_MASK,
  CLONE_NEWUSER,
  FS_IOC_FSSETXATTR,
  FS_IOC_SETFLAGS,
  FS_IOC32_SETFLAGS,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NETLINK_ROUTE,
  S_IFBLK,
  S_IFCHR,
  S_IFMT,
  SOCK_DGRAM,
  SOCK_PACKET,
  SOCK_RAW,
  SOCK_STREAM,
  SOCK_TYPE_MASK,
  SYS_LISTEN,
  SYS_SENDMMSG,
  SYS_SOCKET,
  SYS_SOCKETPAIR,
  TIOCLINUX,
  TIOCSETD,
  TIOCSTI,
} from './constants.js';

/** SysV IPC calls: ENOSYS in a jail unless allow.sysvipc (FreeBSD's jail_sysvipc_allowed). */
export const sysvIpcCalls = [
  'ipc',
  'shmget',
  'shmat',
  'shmdt',
  'shmctl',
  'semget',
  'semop',
  'semtimedop',
  'semtimedop_time64',
  'semctl',
  'msgget',
  'msgsnd',
  'msgrcv',
  'msgctl',
] as const;

/** Calls a jailed root may not make at all (FreeBSD: `if (jailed(cred)) return (EPERM)`), with why. */
export const forbiddenCalls: Readonly<Record<string, string>> = {
  mount: 'mounting is for the host',
  umount: 'mounting is for the host',
  umount2: 'mounting is for the host',
  pivot_root: 'the jail root is fixed',
  chroot: 'the jail root is fixed (chroot-in-chroot escapes)',
  fsopen: 'mounting is for the host',
  fsconfig: 'mounting is for the host',
  fsmount: 'mounting is for the host',
  fspick: 'mounting is for the host',
  move_mount: 'mounting is for the host',
  open_tree: 'mounting is for the host',
  mount_setattr: 'mounting is for the host',
  init_module: 'kernel modules are for the host',
  finit_module: 'kernel modules are for the host',
  delete_module: 'kernel modules are for the host',
  kexec_load: 'loading a kernel is for the host',
  kexec_file_load: 'loading a kernel is for the host',
  iopl: 'I/O ports are the host hardware',
  ioperm: 'I/O ports are the host hardware',
  settimeofday: 'the clock is the host clock',
  stime: 'the clock is the host clock',
  clock_settime: 'the clock is the host clock',
  clock_settime64: 'the clock is the host clock',
  clock_adjtime: 'the clock is the host clock',
  clock_adjtime64: 'the clock is the host clock',
  adjtimex: 'the clock is the host clock',
  swapon: 'swap is for the host',
  swapoff: 'swap is for the host',
  acct: 'process accounting is for the host',
  bpf: 'eBPF reaches the whole kernel',
  perf_event_open: 'performance counters see the host',
  userfaultfd: 'userfaultfd widens kernel races',
  io_uring_setup: 'io_uring bypasses the syscall filter',
  io_uring_enter: 'io_uring bypasses the syscall filter',
  io_uring_register: 'io_uring bypasses the syscall filter',
  keyctl: 'the kernel keyrings are not namespaced',
  add_key: 'the kernel keyrings are not namespaced',
  request_key: 'the kernel keyrings are not namespaced',
  open_by_handle_at: 'file handles escape the jail root',
  name_to_handle_at: 'file handles escape the jail root',
  setdomainname: 'the NIS domain name is not the jail\u2019s',
  uselib: 'obsolete loader call',
  vm86: 'virtual 8086 mode is obsolete',
  vm86old: 'virtual 8086 mode is obsolete',
  syslog: 'the kernel log is the host\u2019s',
  quotactl: 'quotas are set by the host',
  quotactl_fd: 'quotas are set by the host',
  lookup_dcookie: 'profiling is for the host',
  nfsservctl: 'the NFS server is for the host',
  fanotify_init: 'fanotify watches whole mounts',
  vhangup: 'the terminal belongs to the host',
  // open_tree_attr (Linux 6.15) is absent from these headers' tables, so it gets ENOSYS already.
};

const big = BigInt;
const eq = (arg: number, value: number): ArgTest => ({ arg, op: 'eq', value: big(value) });
const masked = (arg: number, mask: number, value: number): ArgTest => ({
  arg,
  op: 'masked-eq',
  mask: big(mask),
  value: big(value),
});
const ne = (arg: number, value: number): ArgTest => ({ arg, op: 'ne', value: big(value) });
const oneOf = (arg: number, values: readonly number[]): ArgTest => ({
  arg,
  op: 'in',
  values: values.map(big),
});
const rule = (syscall: string, decision: Decision, reason: string, when?: readonly ArgTest[]): Rule =>
  when ? { syscall, when, decision, reason } : { syscall, decision, reason };

function ipcRules(prison: Prison): Rule[] {
  if (prison.flags.allowIpc) return [];
  return sysvIpcCalls.map((name) =>
    rule(name, deny('ENOSYS'), 'SysV IPC is off in this jail (allow.sysvipc)'),
  );
}

const unixReason =
  'UNIX sockets are made by the supervisor in the jail\u2019s own network namespace (its own abstract names)';

function socketRules(prison: Prison): Rule[] {
  const { allowAllDomains, allowRawSockets } = prison.flags;
  const rules: Rule[] = [rule('socket', notify('unix-socket'), unixReason, [eq(0, AF_UNIX)])];
  if (allowAllDomains) {
    rules.push(rule('socket', allow, 'netlink, all protocols (allow.socket_af)', [eq(0, AF_NETLINK)]));
  } else {
    rules.push(
      rule('socket', allow, 'netlink route sockets (read interfaces and routes)', [
        eq(0, AF_NETLINK),
        eq(2, NETLINK_ROUTE),
      ]),
      rule('socket', deny('EPROTONOSUPPORT'), 'netlink protocols other than route (allow.socket_af)', [
        eq(0, AF_NETLINK),
      ]),
    );
  }
  if (!allowRawSockets) {
    rules.push(
      rule('socket', deny('EPERM'), 'raw sockets (allow.raw_sockets)', [masked(1, SOCK_TYPE_MASK, SOCK_RAW)]),
      rule('socket', deny('EPERM'), 'packet sockets (allow.raw_sockets)', [
        masked(1, SOCK_TYPE_MASK, SOCK_PACKET),
      ]),
    );
    if (allowAllDomains)
      rules.push(rule('socket', deny('EPERM'), 'packet sockets (allow.raw_sockets)', [eq(0, AF_PACKET)]));
  }
  // As FreeBSD's prison_check_af: inet families follow the jail's addresses, even with allow.socket_af.
  rules.push(...inetSocketRules(AF_INET, 'IPv4', prison.ipv4.length > 0, allowRawSockets));
  rules.push(...inetSocketRules(AF_INET6, 'IPv6', prison.ipv6.length > 0, allowRawSockets));
  if (!allowAllDomains) {
    rules.push(
      rule(
        'socket',
        deny('EAFNOSUPPORT'),
        'only UNIX, IPv4, IPv6 and netlink route sockets (allow.socket_af)',
      ),
    );
  }
  return rules;
}

/**
 * Inet sockets of a family: none without an address of it; else TCP and UDP only unless raw sockets are
 * allowed. ICMP "ping" sockets (their bind() skips the cgroup bind hook), SCTP, MPTCP and UDP-Lite fail
 * with EPERM: decided here on socket(2)'s scalars, so no cgroup program runs at socket creation. TCP and
 * UDP come first and the refusals match nothing of theirs, so that with allow.raw_sockets changeable
 * only the refused kinds are routed to the supervisor.
 */
function inetSocketRules(family: number, name: string, hasAddress: boolean, raw: boolean): Rule[] {
  if (!hasAddress) {
    return [rule('socket', deny('EAFNOSUPPORT'), `the jail has no ${name} address`, [eq(0, family)])];
  }
  const af = eq(0, family);
  const why = `${name} protocols other than TCP and UDP: ping, SCTP, MPTCP, UDP-Lite (allow.raw_sockets)`;
  const refused = raw
    ? []
    : [
        rule('socket', deny('EPERM'), why, [
          af,
          masked(1, SOCK_TYPE_MASK, SOCK_STREAM),
          ne(2, 0),
          ne(2, IPPROTO_TCP),
        ]),
        rule('socket', deny('EPERM'), why, [
          af,
          masked(1, SOCK_TYPE_MASK, SOCK_DGRAM),
          ne(2, 0),
          ne(2, IPPROTO_UDP),
        ]),
        // Every other type (of the 4 type bits): 0, 3, 4-7, 8-11, 12-15.
        ...[
          [SOCK_TYPE_MASK, 0],
          [SOCK_TYPE_MASK, SOCK_RAW],
          [0xc, 0x4],
          [0xc, 0x8],
          [0xc, 0xc],
        ].map(([mask, value]) => rule('socket', deny('EPERM'), why, [af, masked(1, mask, value)])),
      ];
  return [
    rule('socket', allow, `${name} TCP sockets (addresses confined by the cgroup hooks)`, [
      af,
      masked(1, SOCK_TYPE_MASK, SOCK_STREAM),
      oneOf(2, [0, IPPROTO_TCP]),
    ]),
    rule('socket', allow, `${name} UDP sockets (addresses confined by the cgroup hooks)`, [
      af,
      masked(1, SOCK_TYPE_MASK, SOCK_DGRAM),
      oneOf(2, [0, IPPROTO_UDP]),
    ]),
    ...refused,
    rule('socket', allow, `${name} sockets (addresses confined by the cgroup hooks)`, [af]),
  ];
}

function socketcallRules(): Rule[] {
  const others: number[] = [];
  for (let call = 1; call <= SYS_SENDMMSG; call++)
    if (call !== SYS_SOCKET && call !== SYS_LISTEN && call !== SYS_SOCKETPAIR) others.push(call);
  return [
    rule('socketcall', notify('socketcall'), 'socket(2) through socketcall: the family is in user memory', [
      eq(0, SYS_SOCKET),
    ]),
    rule(
      'socketcall',
      notify('socketcall'),
      'socketpair(2) through socketcall: the family is in user memory',
      [eq(0, SYS_SOCKETPAIR)],
    ),
    rule(
      'socketcall',
      notify('listen'),
      'listen(2) through socketcall: bind a never-bound socket to the jail address',
      [eq(0, SYS_LISTEN)],
    ),
    rule('socketcall', allow, 'other socket calls (addresses confined by the cgroup hooks)', [
      oneOf(0, others),
    ]),
    rule('socketcall', deny('EINVAL'), 'unknown socketcall number'),
  ];
}

function networkRules(prison: Prison): Rule[] {
  return [
    ...socketRules(prison),
    rule('socketpair', notify('unix-socket'), unixReason, [eq(0, AF_UNIX)]),
    rule('socketpair', deny('EOPNOTSUPP'), 'socket pairs are UNIX ones only'),
    ...socketcallRules(),
    rule('listen', notify('listen'), 'bind a never-bound inet socket to the jail address before listening'),
    ...['bind', 'connect', 'sendto', 'sendmsg', 'sendmmsg'].map((name) =>
      rule(name, allow, 'addresses are confined in the kernel by the cgroup sock_addr hooks'),
    ),
  ];
}

function limitRules(prison: Prison): Rule[] {
  const rules = [rule('prlimit64', allow, 'reading a limit', [eq(2, 0)])];
  if (!prison.flags.allowRlimit) {
    const reason = 'raising a hard limit (allow.rlimit): the supervisor checks and performs it';
    rules.push(
      rule('setrlimit', notify('setrlimit'), reason),
      rule('prlimit64', notify('setrlimit'), reason),
    );
  }
  return rules;
}

function ioctlRules(prison: Prison): Rule[] {
  const rules = [
    rule('ioctl', deny('EPERM'), 'pushing input into a terminal (TIOCSTI)', [eq(1, TIOCSTI)]),
    rule('ioctl', deny('EPERM'), 'console control (TIOCLINUX)', [eq(1, TIOCLINUX)]),
    rule('ioctl', deny('EPERM'), 'changing the line discipline (TIOCSETD)', [eq(1, TIOCSETD)]),
  ];
  if (!prison.flags.allowChflags) {
    rules.push(
      rule('ioctl', deny('EPERM'), 'immutable and append-only flags (allow.chflags)', [
        oneOf(1, [FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR]),
      ]),
    );
  }
  return rules;
}

function deviceRules(): Rule[] {
  const reason = 'device nodes are made by the host';
  return [
    rule('mknod', deny('EPERM'), reason, [masked(1, S_IFMT, S_IFCHR)]),
    rule('mknod', deny('EPERM'), reason, [masked(1, S_IFMT, S_IFBLK)]),
    rule('mknodat', deny('EPERM'), reason, [masked(2, S_IFMT, S_IFCHR)]),
    rule('mknodat', deny('EPERM'), reason, [masked(2, S_IFMT, S_IFBLK)]),
  ];
}

function namespaceRules(prison: Prison): Rule[] {
  const reason = 'a jail creates no namespaces';
  // A jail with a user namespace of its own: its init enters it (core's sysjail-init -U). Once there,
  // no process of the jail has a capability over any other user namespace, so entering one fails.
  const ownUserNamespace = prison.userNamespace
    ? [rule('setns', allow, "the init enters the jail's user namespace", [eq(1, CLONE_NEWUSER)])]
    : [];
  return [
    rule('clone', allow, 'threads and processes without new namespaces', [masked(0, CLONE_NEW_MASK, 0)]),
    rule('clone', deny('EPERM'), reason),
    rule('clone3', deny('ENOSYS'), 'clone3 flags are in user memory: libc falls back to clone'),
    rule('unshare', allow, 'unsharing without new namespaces', [masked(0, CLONE_NEW_MASK, 0)]),
    rule('unshare', deny('EPERM'), reason),
    ...ownUserNamespace,
    rule('setns', deny('EPERM'), 'a jail enters no other namespace'),
  ];
}

function hostRules(prison: Prison): Rule[] {
  return [
    rule('reboot', notify('reboot'), 'rebooting a jail shuts the jail down'),
    prison.flags.allowSetHostname
      ? rule(
          'sethostname',
          notify('sethostname'),
          'the jail names its own UTS namespace (allow.set_hostname); the supervisor sets it',
        )
      : rule('sethostname', deny('EPERM'), 'the hostname is fixed (allow.set_hostname)'),
    ...Object.entries(forbiddenCalls).map(([name, reason]) => rule(name, deny('EPERM'), reason)),
  ];
}

/** The default jail policy for a prison. */
export function linuxJailPolicy(prison: Prison): Policy {
  return {
    name: 'linux-jail',
    rules: [
      ...ipcRules(prison),
      ...networkRules(prison),
      ...limitRules(prison),
      ...ioctlRules(prison),
      ...deviceRules(),
      ...namespaceRules(prison),
      ...hostRules(prison),
    ],
    defaultDecision: allow,
    unknownDecision: deny('ENOSYS'),
  };
}
