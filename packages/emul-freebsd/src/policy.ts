/**
 * The jail rules of emul-linux's policy over FreeBSD names, where FreeBSD has the call: what a jailed
 * FreeBSD process would be refused by FreeBSD's own jail(2). Data only: FreeBSD binaries do not run on
 * Linux (see README.md), so no filter is ever compiled from it here.
 */

import type { ArgTest, Decision, Policy, Prison, Rule } from '@sysjail/core';
import { allow, deny, notify } from '@sysjail/core';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_ROUTE,
  AF_UNIX,
  S_IFBLK,
  S_IFCHR,
  S_IFMT,
  SOCK_RAW,
  SOCK_TYPE_BITS,
  TIOCSETD,
  TIOCSTI,
} from './constants.js';

/** SysV IPC: ENOSYS unless allow.sysvipc (jail_sysvipc_allowed). */
export const sysvIpcCalls = [
  'semsys',
  'msgsys',
  'shmsys',
  'semget',
  'semop',
  '__semctl',
  'msgget',
  'msgsnd',
  'msgrcv',
  'msgctl',
  'shmat',
  'shmdt',
  'shmget',
  'shmctl',
] as const;

/** Calls a jailed root may not make (FreeBSD's priv_check refuses them in a jail), with why. */
export const forbiddenCalls: Readonly<Record<string, string>> = {
  mount: 'mounting is for the host',
  nmount: 'mounting is for the host',
  unmount: 'mounting is for the host',
  chroot: 'the jail root is fixed',
  kldload: 'kernel modules are for the host',
  kldunload: 'kernel modules are for the host',
  kldunloadf: 'kernel modules are for the host',
  settimeofday: 'the clock is the host clock',
  adjtime: 'the clock is the host clock',
  clock_settime: 'the clock is the host clock',
  ntp_adjtime: 'the clock is the host clock',
  ffclock_setestimate: 'the clock is the host clock',
  swapon: 'swap is for the host',
  swapoff: 'swap is for the host',
  acct: 'process accounting is for the host',
  quotactl: 'quotas are set by the host',
  jail: 'a jail makes no jails',
  jail_set: 'a jail makes no jails',
  jail_attach: 'a jail enters no other jail',
  jail_remove: 'a jail removes no jails',
  setfib: 'the routing table is the jail\u2019s',
  audit: 'auditing is for the host',
  auditon: 'auditing is for the host',
  auditctl: 'auditing is for the host',
  setaudit: 'auditing is for the host',
  setaudit_addr: 'auditing is for the host',
  setauid: 'auditing is for the host',
  rctl_add_rule: 'resource limits are set by the host',
  rctl_remove_rule: 'resource limits are set by the host',
  nfssvc: 'the NFS server is for the host',
  fhopen: 'file handles escape the jail root',
  fhstat: 'file handles escape the jail root',
  fhstatfs: 'file handles escape the jail root',
  fhlink: 'file handles escape the jail root',
  fhlinkat: 'file handles escape the jail root',
  fhreadlink: 'file handles escape the jail root',
  getfh: 'file handles escape the jail root',
  lgetfh: 'file handles escape the jail root',
  getfhat: 'file handles escape the jail root',
};

const eq = (arg: number, value: number): ArgTest => ({ arg, op: 'eq', value: BigInt(value) });
const masked = (arg: number, mask: bigint, value: number): ArgTest => ({
  arg,
  op: 'masked-eq',
  mask,
  value: BigInt(value),
});
const rule = (syscall: string, decision: Decision, reason: string, when?: readonly ArgTest[]): Rule =>
  when ? { syscall, when, decision, reason } : { syscall, decision, reason };

function socketRules(prison: Prison): Rule[] {
  const { allowAllDomains, allowRawSockets } = prison.flags;
  const rules = [
    rule('socket', allow, 'local (UNIX) sockets', [eq(0, AF_UNIX)]),
    rule('socket', allow, 'routing sockets (SOCK_RAW by nature)', [eq(0, AF_ROUTE)]),
    rule('socket', allow, 'netlink route sockets', [eq(0, AF_NETLINK), eq(2, 0)]),
  ];
  if (!allowRawSockets)
    rules.push(
      rule('socket', deny('EPERM'), 'raw sockets (allow.raw_sockets)', [
        masked(1, BigInt(SOCK_TYPE_BITS), SOCK_RAW),
      ]),
    );
  rules.push(
    prison.ipv4.length > 0
      ? rule('socket', allow, 'IPv4 sockets', [eq(0, AF_INET)])
      : rule('socket', deny('EAFNOSUPPORT'), 'the jail has no IPv4 address', [eq(0, AF_INET)]),
    prison.ipv6.length > 0
      ? rule('socket', allow, 'IPv6 sockets', [eq(0, AF_INET6)])
      : rule('socket', deny('EAFNOSUPPORT'), 'the jail has no IPv6 address', [eq(0, AF_INET6)]),
  );
  if (!allowAllDomains)
    rules.push(
      rule('socket', deny('EAFNOSUPPORT'), 'only UNIX, IPv4, IPv6 and route sockets (allow.socket_af)'),
    );
  return rules;
}

/** The jail policy over FreeBSD names. */
export function freebsdJailPolicy(prison: Prison): Policy {
  const f = prison.flags;
  const rules: Rule[] = [];
  if (!f.allowIpc)
    rules.push(
      ...sysvIpcCalls.map((n) => rule(n, deny('ENOSYS'), 'SysV IPC is off in this jail (allow.sysvipc)')),
    );
  rules.push(
    ...socketRules(prison),
    rule('listen', notify('listen'), 'bind a never-bound inet socket to the jail address before listening'),
    rule('reboot', notify('reboot'), 'rebooting a jail shuts the jail down'),
  );
  if (!f.allowRlimit)
    rules.push(rule('setrlimit', notify('setrlimit'), 'raising a hard limit (allow.rlimit)'));
  rules.push(
    rule('ioctl', deny('EPERM'), 'pushing input into a terminal (TIOCSTI)', [eq(1, TIOCSTI)]),
    rule('ioctl', deny('EPERM'), 'changing the line discipline (TIOCSETD)', [eq(1, TIOCSETD)]),
  );
  if (!f.allowChflags) {
    const userFlagsOnly = ~0xffffn & 0xffffffffffffffffn;
    const reason = 'system file flags (allow.chflags)';
    for (const [name, arg] of [
      ['chflags', 1],
      ['fchflags', 1],
      ['lchflags', 1],
      ['chflagsat', 2],
    ] as const) {
      rules.push(
        rule(name, allow, 'user file flags', [masked(arg, userFlagsOnly, 0)]),
        rule(name, deny('EPERM'), reason),
      );
    }
  }
  rules.push(
    rule('mknodat', deny('EPERM'), 'device nodes are made by the host', [masked(2, BigInt(S_IFMT), S_IFCHR)]),
    rule('mknodat', deny('EPERM'), 'device nodes are made by the host', [masked(2, BigInt(S_IFMT), S_IFBLK)]),
    ...Object.entries(forbiddenCalls).map(([name, reason]) => rule(name, deny('EPERM'), reason)),
  );
  return { name: 'freebsd-jail', rules, defaultDecision: allow, unknownDecision: deny('ENOSYS') };
}
