import type { ArgTest, Decision, Policy, Prison, PrisonFlags, SyscallTable } from '@sysjail/core';
import { defaultPrisonFlags, notify } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import * as c from './constants.js';
import { linuxErrno } from './errno.js';
import { forbiddenCalls, linuxJailPolicy, sysvIpcCalls } from './policy.js';
import { i386 } from './tables/i386.js';
import { x86_64 } from './tables/x86_64.js';

function prison(flags: Partial<PrisonFlags> = {}, ipv4 = ['127.0.0.2'], ipv6: string[] = []): Prison {
  return { path: '/nonexistent', hostname: 'jail', ipv4, ipv6, flags: { ...defaultPrisonFlags, ...flags } };
}

/**
 * The decision the policy gives a call, read the way the filter compiler reads it: first matching rule of
 * the name; `int`/`uint`/`fd`/`pid` arguments on their low 32 bits, others at the ABI's word size.
 */
function decide(
  policy: Policy,
  table: SyscallTable,
  name: string,
  args: readonly (number | bigint)[] = [],
): Decision {
  const entry = table.entries.find((e) => e.name === name);
  if (!entry) return policy.unknownDecision;
  const width = (i: number) => (['int', 'uint', 'fd', 'pid'].includes(entry.args[i]) ? 32 : table.arch.bits);
  const value = (i: number) => BigInt.asUintN(width(i), BigInt(args[i] ?? 0));
  const norm = (i: number, v: bigint) => BigInt.asUintN(width(i), v);
  const holds = (t: ArgTest) => {
    const a = value(t.arg);
    switch (t.op) {
      case 'eq':
        return a === norm(t.arg, t.value);
      case 'ne':
        return a !== norm(t.arg, t.value);
      case 'lt':
        return a < norm(t.arg, t.value);
      case 'le':
        return a <= norm(t.arg, t.value);
      case 'gt':
        return a > norm(t.arg, t.value);
      case 'ge':
        return a >= norm(t.arg, t.value);
      case 'masked-eq':
        return (a & norm(t.arg, t.mask)) === norm(t.arg, t.value);
      case 'in':
        return t.values.some((v) => a === norm(t.arg, v));
    }
  };
  const rule = policy.rules.find((r) => r.syscall === name && (r.when ?? []).every(holds));
  return rule ? rule.decision : policy.defaultDecision;
}

const allowed: Decision = { action: 'allow' };
const errno = (name: string): Decision => ({ action: 'errno', errno: name });
const notified = (handler: string): Decision => ({ action: 'notify', handler });
const SIGCHLD = 17;

describe('linuxJailPolicy', () => {
  const policy = linuxJailPolicy(prison());

  it('names only syscalls of the tables, errnos of the errno map, and gives every rule a reason', () => {
    const names = new Set([...x86_64.entries, ...i386.entries].map((e) => e.name));
    const flagSets: Partial<PrisonFlags>[] = [
      {},
      {
        allowIpc: true,
        allowAllDomains: true,
        allowRawSockets: true,
        allowChflags: true,
        allowRlimit: true,
        allowSetHostname: false,
      },
    ];
    for (const flags of flagSets) {
      for (const r of linuxJailPolicy(prison(flags, [], ['::1'])).rules) {
        expect(names, r.syscall).toContain(r.syscall);
        expect(r.reason, r.syscall).toBeTruthy();
        if (r.decision.action === 'errno')
          expect(linuxErrno, r.decision.errno).toHaveProperty(r.decision.errno);
        for (const t of r.when ?? []) {
          const entry = [...x86_64.entries, ...i386.entries].find((e) => e.name === r.syscall);
          expect(t.arg, r.syscall).toBeLessThan(entry?.args.length ?? 0);
        }
      }
    }
    expect(policy.defaultDecision).toEqual(allowed);
    expect(policy.unknownDecision).toEqual(errno('ENOSYS'));
  });

  it('speaks to the supervisor through the handlers core has', () => {
    const handlers = new Set(
      policy.rules.flatMap((r) => (r.decision.action === 'notify' ? [r.decision.handler] : [])),
    );
    expect([...handlers].sort()).toEqual([
      'listen',
      'reboot',
      'sethostname',
      'setrlimit',
      'socketcall',
      'unix-socket',
    ]);
  });

  it('turns SysV IPC off (ENOSYS) unless allowIpc', () => {
    for (const name of sysvIpcCalls) {
      const table = name === 'ipc' || name === 'semtimedop_time64' ? i386 : x86_64;
      expect(decide(policy, table, name), name).toEqual(errno('ENOSYS'));
      expect(decide(linuxJailPolicy(prison({ allowIpc: true })), table, name), name).toEqual(allowed);
    }
    expect(decide(policy, i386, 'shmget')).toEqual(errno('ENOSYS'));
  });

  it('confines socket families like jail.socket_unixiproute_only', () => {
    const t = x86_64;
    // UNIX sockets are made by the supervisor in the jail's own network namespace (abstract names)
    expect(decide(policy, t, 'socket', [c.AF_UNIX, c.SOCK_STREAM | c.SOCK_CLOEXEC, 0])).toEqual(
      notified('unix-socket'),
    );
    expect(decide(policy, t, 'socket', [c.AF_INET, c.SOCK_STREAM, 0])).toEqual(allowed);
    expect(decide(policy, t, 'socket', [c.AF_INET6, c.SOCK_DGRAM, 0])).toEqual(errno('EAFNOSUPPORT'));
    expect(decide(policy, t, 'socket', [c.AF_NETLINK, c.SOCK_RAW | c.SOCK_CLOEXEC, c.NETLINK_ROUTE])).toEqual(
      allowed,
    );
    expect(decide(policy, t, 'socket', [c.AF_NETLINK, c.SOCK_RAW, c.NETLINK_AUDIT])).toEqual(
      errno('EPROTONOSUPPORT'),
    );
    for (const af of [c.AF_PACKET, c.AF_ALG, c.AF_VSOCK, c.AF_BLUETOOTH, c.AF_KEY]) {
      expect(decide(policy, t, 'socket', [af, c.SOCK_DGRAM, 0]), `af ${af}`).toEqual(errno('EAFNOSUPPORT'));
    }
    // the upper half of an int argument is ignored, as the kernel does
    expect(decide(policy, t, 'socket', [(1n << 32n) | BigInt(c.AF_UNIX), c.SOCK_STREAM, 0])).toEqual(
      notified('unix-socket'),
    );
    expect(decide(policy, t, 'socketpair', [c.AF_UNIX, c.SOCK_STREAM, 0, 0])).toEqual(
      notified('unix-socket'),
    );
    expect(decide(policy, t, 'socketpair', [c.AF_INET, c.SOCK_STREAM, 0, 0])).toEqual(errno('EOPNOTSUPP'));
  });

  it('follows the jail addresses for inet families', () => {
    const v6only = linuxJailPolicy(prison({}, [], ['::1']));
    expect(decide(v6only, x86_64, 'socket', [c.AF_INET, c.SOCK_STREAM, 0])).toEqual(errno('EAFNOSUPPORT'));
    expect(decide(v6only, x86_64, 'socket', [c.AF_INET6, c.SOCK_STREAM, 0])).toEqual(allowed);
    const all = linuxJailPolicy(prison({ allowAllDomains: true }, [], []));
    expect(decide(all, x86_64, 'socket', [c.AF_INET, c.SOCK_STREAM, 0])).toEqual(errno('EAFNOSUPPORT'));
    expect(decide(all, x86_64, 'socket', [c.AF_ALG, c.SOCK_SEQPACKET, 0])).toEqual(allowed);
    expect(decide(all, x86_64, 'socket', [c.AF_NETLINK, c.SOCK_RAW, c.NETLINK_AUDIT])).toEqual(allowed);
  });

  it('refuses raw and packet sockets unless allowRawSockets', () => {
    expect(decide(policy, x86_64, 'socket', [c.AF_INET, c.SOCK_RAW | c.SOCK_NONBLOCK, 1])).toEqual(
      errno('EPERM'),
    );
    expect(decide(policy, x86_64, 'socket', [c.AF_INET, c.SOCK_PACKET, 0])).toEqual(errno('EPERM'));
    const all = linuxJailPolicy(prison({ allowAllDomains: true }));
    expect(decide(all, x86_64, 'socket', [c.AF_PACKET, c.SOCK_DGRAM, 0])).toEqual(errno('EPERM'));
    const raw = linuxJailPolicy(prison({ allowRawSockets: true }));
    expect(decide(raw, x86_64, 'socket', [c.AF_INET, c.SOCK_RAW, 1])).toEqual(allowed);
    const both = linuxJailPolicy(prison({ allowRawSockets: true, allowAllDomains: true }));
    expect(decide(both, x86_64, 'socket', [c.AF_PACKET, c.SOCK_RAW, 0])).toEqual(allowed);
  });

  it('inet sockets: TCP and UDP only (ping, SCTP, MPTCP, UDP-Lite are EPERM) unless allowRawSockets', () => {
    const v46 = linuxJailPolicy(prison({}, ['127.0.0.2'], ['::1']));
    for (const af of [c.AF_INET, c.AF_INET6]) {
      for (const [type, proto] of [
        [c.SOCK_STREAM | c.SOCK_CLOEXEC, 0],
        [c.SOCK_STREAM | c.SOCK_NONBLOCK, c.IPPROTO_TCP],
        [c.SOCK_DGRAM, 0],
        [c.SOCK_DGRAM | c.SOCK_CLOEXEC, c.IPPROTO_UDP],
      ]) {
        expect(decide(v46, x86_64, 'socket', [af, type, proto]), `${af} ${type} ${proto}`).toEqual(allowed);
        expect(decide(v46, i386, 'socket', [af, type, proto]), `i386 ${af} ${type} ${proto}`).toEqual(
          allowed,
        );
      }
      for (const [type, proto] of [
        [c.SOCK_DGRAM, 1], // ICMP ping
        [c.SOCK_DGRAM, 58], // ICMPv6 ping
        [c.SOCK_STREAM, 262], // MPTCP
        [c.SOCK_STREAM, 132], // SCTP
        [c.SOCK_SEQPACKET, 132],
        [c.SOCK_DGRAM, 136], // UDP-Lite
        [c.SOCK_STREAM, c.IPPROTO_UDP],
        [c.SOCK_DGRAM, c.IPPROTO_TCP],
        [c.SOCK_DCCP, 33],
        [c.SOCK_RDM, 0],
      ]) {
        expect(decide(v46, x86_64, 'socket', [af, type, proto]), `${af} ${type} ${proto}`).toEqual(
          errno('EPERM'),
        );
      }
    }
    const raw = linuxJailPolicy(prison({ allowRawSockets: true }));
    expect(decide(raw, x86_64, 'socket', [c.AF_INET, c.SOCK_DGRAM, 1])).toEqual(allowed);
    expect(decide(raw, x86_64, 'socket', [c.AF_INET, c.SOCK_STREAM, 262])).toEqual(allowed);
  });

  it('hands socketcall(SYS_SOCKET, SYS_SOCKETPAIR) and listen to the supervisor, allows the rest, EINVAL for unknown calls', () => {
    expect(decide(policy, i386, 'socketcall', [c.SYS_SOCKET, 0])).toEqual(notified('socketcall'));
    expect(decide(policy, i386, 'socketcall', [c.SYS_SOCKETPAIR, 0])).toEqual(notified('socketcall'));
    expect(decide(policy, i386, 'socketcall', [c.SYS_LISTEN, 0])).toEqual(notified('listen'));
    for (const call of [c.SYS_BIND, c.SYS_CONNECT, c.SYS_SENDMSG, c.SYS_SENDMMSG]) {
      expect(decide(policy, i386, 'socketcall', [call, 0]), `call ${call}`).toEqual(allowed);
    }
    expect(decide(policy, i386, 'socketcall', [0, 0])).toEqual(errno('EINVAL'));
    expect(decide(policy, i386, 'socketcall', [21, 0])).toEqual(errno('EINVAL'));
    expect(decide(policy, i386, 'socket', [c.AF_INET6, c.SOCK_STREAM, 0])).toEqual(errno('EAFNOSUPPORT'));
    for (const t of [x86_64, i386]) {
      expect(decide(policy, t, 'listen', [3, 128])).toEqual(notified('listen'));
      for (const name of ['bind', 'connect', 'sendto', 'sendmsg', 'sendmmsg'])
        expect(decide(policy, t, name), name).toEqual(allowed);
    }
  });

  it('notifies reboot and limit changes, reads limits freely', () => {
    expect(
      decide(policy, x86_64, 'reboot', [
        c.LINUX_REBOOT_MAGIC1,
        c.LINUX_REBOOT_MAGIC2,
        c.LINUX_REBOOT_CMD_RESTART,
        0,
      ]),
    ).toEqual(notified('reboot'));
    expect(decide(policy, x86_64, 'setrlimit', [c.RLIMIT_NOFILE, 0x1000])).toEqual(notified('setrlimit'));
    expect(decide(policy, i386, 'setrlimit', [c.RLIMIT_NOFILE, 0x1000])).toEqual(notified('setrlimit'));
    expect(decide(policy, x86_64, 'prlimit64', [0, c.RLIMIT_NOFILE, 0, 0x1000])).toEqual(allowed);
    expect(decide(policy, x86_64, 'prlimit64', [0, c.RLIMIT_NOFILE, 0x1000, 0])).toEqual(
      notified('setrlimit'),
    );
    expect(decide(policy, x86_64, 'getrlimit', [c.RLIMIT_NOFILE, 0x1000])).toEqual(allowed);
    const rlimit = linuxJailPolicy(prison({ allowRlimit: true }));
    expect(decide(rlimit, x86_64, 'setrlimit', [c.RLIMIT_NOFILE, 0x1000])).toEqual(allowed);
    expect(decide(rlimit, x86_64, 'prlimit64', [0, c.RLIMIT_NOFILE, 0x1000, 0])).toEqual(allowed);
  });

  it('refuses terminal injection and, unless allowChflags, inode flags', () => {
    for (const t of [x86_64, i386]) {
      for (const cmd of [c.TIOCSTI, c.TIOCLINUX, c.TIOCSETD])
        expect(decide(policy, t, 'ioctl', [0, cmd, 0])).toEqual(errno('EPERM'));
      for (const cmd of [c.FS_IOC_SETFLAGS, c.FS_IOC32_SETFLAGS, c.FS_IOC_FSSETXATTR]) {
        expect(decide(policy, t, 'ioctl', [3, cmd, 0])).toEqual(errno('EPERM'));
        expect(decide(linuxJailPolicy(prison({ allowChflags: true })), t, 'ioctl', [3, cmd, 0])).toEqual(
          allowed,
        );
      }
      expect(decide(policy, t, 'ioctl', [3, c.FS_IOC_GETFLAGS, 0])).toEqual(allowed);
      expect(decide(policy, t, 'ioctl', [0, 0x5401 /* TCGETS */, 0])).toEqual(allowed);
    }
  });

  it('refuses device nodes', () => {
    expect(decide(policy, x86_64, 'mknod', [0, c.S_IFCHR | 0o600, 0x0103])).toEqual(errno('EPERM'));
    expect(decide(policy, x86_64, 'mknod', [0, c.S_IFBLK | 0o600, 0x0801])).toEqual(errno('EPERM'));
    expect(decide(policy, x86_64, 'mknod', [0, c.S_IFIFO | 0o600, 0])).toEqual(allowed);
    expect(decide(policy, x86_64, 'mknod', [0, c.S_IFSOCK | 0o600, 0])).toEqual(allowed); // the whole S_IFMT field is compared
    expect(decide(policy, i386, 'mknodat', [-100, 0, c.S_IFCHR | 0o666, 0x0103])).toEqual(errno('EPERM'));
    expect(decide(policy, i386, 'mknodat', [-100, 0, c.S_IFREG | 0o666, 0])).toEqual(allowed);
  });

  it('lets threads and processes be cloned but no namespace be made or entered', () => {
    const thread =
      c.CLONE_VM |
      c.CLONE_FS |
      c.CLONE_FILES |
      c.CLONE_SIGHAND |
      c.CLONE_THREAD |
      c.CLONE_SYSVSEM |
      c.CLONE_SETTLS;
    for (const t of [x86_64, i386]) {
      expect(decide(policy, t, 'clone', [thread | c.CLONE_PARENT_SETTID | c.CLONE_CHILD_CLEARTID])).toEqual(
        allowed,
      );
      expect(decide(policy, t, 'clone', [c.CLONE_CHILD_SETTID | c.CLONE_CHILD_CLEARTID | SIGCHLD])).toEqual(
        allowed,
      );
      for (const ns of [
        c.CLONE_NEWNS,
        c.CLONE_NEWCGROUP,
        c.CLONE_NEWUTS,
        c.CLONE_NEWIPC,
        c.CLONE_NEWUSER,
        c.CLONE_NEWPID,
        c.CLONE_NEWNET,
      ]) {
        expect(decide(policy, t, 'clone', [ns | SIGCHLD]), `clone ${ns}`).toEqual(errno('EPERM'));
        expect(decide(policy, t, 'unshare', [ns]), `unshare ${ns}`).toEqual(errno('EPERM'));
      }
      expect(decide(policy, t, 'unshare', [c.CLONE_NEWTIME])).toEqual(errno('EPERM'));
      expect(decide(policy, t, 'unshare', [c.CLONE_FILES])).toEqual(allowed);
      expect(decide(policy, t, 'clone3', [0, 88])).toEqual(errno('ENOSYS'));
      expect(decide(policy, t, 'setns', [3, 0])).toEqual(errno('EPERM'));
    }
  });

  it('lets a jail with its own user namespace enter a user namespace (its init), nothing else', () => {
    const own = linuxJailPolicy({ ...prison(), userNamespace: true });
    for (const t of [x86_64, i386]) {
      expect(decide(own, t, 'setns', [5, c.CLONE_NEWUSER])).toEqual(allowed);
      for (const ns of [0, c.CLONE_NEWNS, c.CLONE_NEWNET, c.CLONE_NEWPID, c.CLONE_NEWUSER | c.CLONE_NEWNS])
        expect(decide(own, t, 'setns', [5, ns]), `setns ${ns}`).toEqual(errno('EPERM'));
      expect(decide(own, t, 'unshare', [c.CLONE_NEWUSER])).toEqual(errno('EPERM'));
      expect(decide(own, t, 'unshare', [c.CLONE_NEWNS])).toEqual(errno('EPERM'));
      expect(decide(policy, t, 'setns', [5, c.CLONE_NEWUSER])).toEqual(errno('EPERM'));
    }
  });

  it('refuses the host\u2019s calls with EPERM, and sethostname by allowSetHostname', () => {
    for (const name of Object.keys(forbiddenCalls)) {
      const t = x86_64.entries.some((e) => e.name === name) ? x86_64 : i386;
      expect(decide(policy, t, name), name).toEqual(errno('EPERM'));
    }
    for (const name of [
      'mount',
      'umount2',
      'pivot_root',
      'chroot',
      'bpf',
      'init_module',
      'kexec_load',
      'io_uring_setup',
      'keyctl',
    ]) {
      expect(forbiddenCalls).toHaveProperty(name);
    }
    expect(decide(policy, i386, 'umount')).toEqual(errno('EPERM'));
    expect(decide(policy, i386, 'stime')).toEqual(errno('EPERM'));
    expect(decide(policy, x86_64, 'sethostname')).toEqual(notify('sethostname'));
    expect(decide(linuxJailPolicy(prison({ allowSetHostname: false })), x86_64, 'sethostname')).toEqual(
      errno('EPERM'),
    );
  });

  it('allows ordinary calls and gives ENOSYS to calls absent from a table', () => {
    for (const name of [
      'read',
      'write',
      'openat',
      'execve',
      'exit_group',
      'getpid',
      'mmap',
      'futex',
      'fork',
      'kill',
    ]) {
      expect(decide(policy, x86_64, name), name).toEqual(allowed);
    }
    expect(decide(policy, x86_64, 'socketcall')).toEqual(errno('ENOSYS'));
    expect(decide(policy, x86_64, 'open_tree_attr')).toEqual(errno('ENOSYS'));
  });
});
