/**
 * Dangerous kernel interfaces from inside, through the 64-bit ABI, the i386 ABI (glibc's and raw
 * `int 0x80`, socketcall and the ipc multiplexer included) and x32 (killed with SIGSYS before it runs):
 * mounts, modules (invalid arguments: nothing loads even if reached), kexec, I/O ports, the clock (an
 * invalid time: EINVAL if reached), swap, accounting, bpf, perf, userfaultfd, io_uring, keyrings, file
 * handles, device nodes, namespaces, TIOCSTI, SysV IPC, chattr +i; and the capability bounding set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture, SUPERVISION_MODES, supervisedBy } from './jail-fixture.js';
import { parseProbe, pick } from './probe-output.js';
import { runJail } from './run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('kernel');
});
afterAll(() => fx?.cleanup());

const eperm = [
  'mount',
  'umount',
  'pivot_root',
  'chroot',
  'init_module',
  'finit_module',
  'delete_module',
  'kexec_load',
  'iopl',
  'ioperm',
  'clock_settime',
  'swapon',
  'acct',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'io_uring_setup',
  'keyctl',
  'add_key',
  'open_by_handle_at',
  'name_to_handle_at',
  'mknod-chr',
  'mknod-blk',
  'mknodat-chr',
  'setns',
  'TIOCSTI',
  'TIOCLINUX',
  'FS_IOC_SETFLAGS',
  ...['USER', 'NS', 'NET', 'PID', 'UTS', 'IPC', 'CGROUP', 'TIME'].flatMap((n) => [
    `unshare-CLONE_NEW${n}`,
    `clone-CLONE_NEW${n}`,
  ]),
];

/** Capabilities that must not be in the bounding set. */
const CAPS: Record<string, number> = {
  DAC_READ_SEARCH: 2,
  LINUX_IMMUTABLE: 9,
  NET_ADMIN: 12,
  NET_RAW: 13,
  SYS_MODULE: 16,
  SYS_RAWIO: 17,
  SYS_CHROOT: 18,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_BOOT: 22,
  SYS_RESOURCE: 24,
  SYS_TIME: 25,
  MKNOD: 27,
  PERFMON: 38,
  BPF: 39,
};

describe.each(['probe64', 'probe32'])('dangerous interfaces (%s)', (probe) => {
  let out: Map<string, string>;
  beforeAll(async () => {
    const r = await runJail(fx, [fx.root, 'kernel.example', '127.0.0.5', `/bin/${probe}`, 'danger']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    out = parseProbe(r.stdout);
  });

  it('are refused with EPERM', () => {
    expect(pick(out, eperm)).toEqual(Object.fromEntries(eperm.map((n) => [n, 'EPERM'])));
  });

  it('SysV IPC is ENOSYS', () => {
    expect(pick(out, ['shmget', 'semget', 'msgget'])).toEqual({
      shmget: 'ENOSYS',
      semget: 'ENOSYS',
      msgget: 'ENOSYS',
    });
  });

  it('ordinary neighbours still work (a FIFO, reading inode flags, a pty)', () => {
    expect(pick(out, ['mknod-fifo', 'FS_IOC_GETFLAGS'])).toEqual({
      'mknod-fifo': 'ok',
      FS_IOC_GETFLAGS: 'ok',
    });
    expect(out.has('ptmx')).toBe(false);
  });

  it('the capability bounding set holds none of the dangerous capabilities; no_new_privs; seccomp filter', () => {
    const bnd = BigInt(`0x${out.get('CapBnd')}`);
    const held = Object.entries(CAPS)
      .filter(([, bit]) => (bnd >> BigInt(bit)) & 1n)
      .map(([name]) => name);
    expect(held).toEqual([]);
    expect(out.get('NoNewPrivs')).toBe('1');
    expect(out.get('Seccomp')).toBe('2');
  });
});

describe.each(SUPERVISION_MODES)('i386 through int 0x80 (supervision %s)', (mode) => {
  it('socketcall(SYS_SOCKET) with forbidden families, the ipc multiplexer and other calls are refused', async () => {
    const r = await runJail(supervisedBy(fx, mode), [
      fx.root,
      'kernel.example',
      '127.0.0.5',
      '/bin/probe32',
      'int80',
    ]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(Object.fromEntries(parseProbe(r.stdout))).toEqual({
      'socketcall-AF_PACKET': 'EAFNOSUPPORT',
      'socketcall-raw': 'EPERM',
      'socketcall-AF_ALG': 'EAFNOSUPPORT',
      'socketcall-NETLINK_SOCK_DIAG': 'EPROTONOSUPPORT',
      'socketcall-AF_INET': 'ok',
      'ipc-SHMGET': 'ENOSYS',
      'ipc-SEMGET': 'ENOSYS',
      'ipc-MSGGET': 'ENOSYS',
      'int80-mount': 'EPERM',
      'int80-unshare-NEWUSER': 'EPERM',
      'int80-setdomainname': 'EPERM',
      'int80-iopl': 'EPERM',
      'int80-getpid': 'ok',
    });
  });
});

describe('x32', () => {
  it('a call with __X32_SYSCALL_BIT kills the process with SIGSYS before it runs', async () => {
    const r = await runJail(fx, [fx.root, 'kernel.example', '127.0.0.5', '/bin/probe64', 'x32']);
    expect(r).toMatchObject({ status: 128 + 31, stdout: 'x32-before\n', stderr: '' });
  });
});
