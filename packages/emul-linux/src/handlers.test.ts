// The Linux handlers' ABI decoding against a recording context: what they copy, what they decide, what
// they ask core to perform.
import type { HandlerContext, HostRlimit, NotifiedCall } from '@sysjail/core';
import { defaultPrisonFlags } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { linux } from './emulation.js';
import { handlers } from './handlers.js';

type Performed = [string, ...unknown[]];

function context(memory: Map<bigint, Buffer>, performed: Performed[], valid = true): HandlerContext {
  return {
    jid: 1,
    prison: { path: '/j', hostname: 'j', ipv4: ['127.0.23.2'], ipv6: [], flags: defaultPrisonFlags },
    stillValid: () => valid,
    read: (address, length) => {
      const b = memory.get(address);
      if (!b) throw Object.assign(new Error('EFAULT'), { errno: 14 });
      return b.subarray(0, length);
    },
    readString: () => Buffer.alloc(0),
    readSockaddr: () => ({ family: 0, raw: Buffer.alloc(0) }),
    write: (address, data) => void performed.push(['write', address, Buffer.from(data).toString('hex')]),
    evaluate: (syscall, args) => {
      performed.push(['evaluate', syscall, args]);
      if (args[0] === 17n) return { action: 'errno', errno: 'EPERM', reason: 'no packet sockets' };
      if (args[0] === 1n) return { action: 'notify', handler: 'unix-socket' };
      if (syscall === 'socketpair') return { action: 'errno', errno: 'EOPNOTSUPP' };
      return { action: 'allow' };
    },
    withCallerFd: () => undefined,
    listen: (fd, backlog) => {
      performed.push(['listen', fd, backlog]);
      return { val: 0 };
    },
    socket: (...a) => {
      performed.push(['socket', ...a]);
      return { sent: true };
    },
    unixSocket: (...a) => {
      performed.push(['unixSocket', ...a]);
      return { sent: true };
    },
    unixSocketpair: (...a) => {
      performed.push(['unixSocketpair', ...a]);
      return [7, 8];
    },
    prlimit: (pid, resource, wanted: HostRlimit | undefined) => {
      performed.push(['prlimit', pid, resource, wanted]);
      return { old: { cur: 1024n, max: 4096n } };
    },
    sethostname: (name) => {
      performed.push(['sethostname', name.toString()]);
      return { val: 0 };
    },
    killCaller: () => void performed.push(['killCaller']),
    shutdown: (reason) => {
      performed.push(['shutdown', reason]);
      return { sent: true };
    },
  };
}

const call = (syscall: string, args: bigint[], bits: 32 | 64 = 64): NotifiedCall => ({
  id: 1n,
  pid: 1,
  auditArch: 0,
  abi: bits === 64 ? 'x86_64' : 'i386',
  bits,
  nr: 0,
  syscall,
  args,
});

const words = (...w: number[]) => {
  const b = Buffer.alloc(4 * w.length);
  for (const [i, v] of w.entries()) b.writeUInt32LE(v >>> 0, 4 * i);
  return b;
};

describe('Linux handlers', () => {
  it('are the ones the emulation declares', () => {
    expect(linux.handlers?.names).toEqual(Object.keys(handlers));
    expect(linux.handlers?.module).toMatch(/^file:.*\/emul-linux\/dist\/handlers\.js$/);
  });

  it('reboot: wrong magic is EINVAL, a non-shutdown command EPERM, a shutdown ends the jail', () => {
    const done: Performed[] = [];
    const ctx = context(new Map(), done);
    expect(handlers.reboot(call('reboot', [0xfee1deadn, 1n, 0x1234567n]), ctx)).toEqual({ errno: 'EINVAL' });
    expect(handlers.reboot(call('reboot', [0xfee1deadn, 672274793n, 0x89abcdefn]), ctx)).toMatchObject({
      errno: 'EPERM',
    });
    expect(done).toEqual([]);
    // The upper halves of the registers are ignored, as the kernel reads ints.
    const magic = 0xffffffff00000000n;
    expect(handlers.reboot(call('reboot', [magic | 0xfee1deadn, 85072278n, 0x4321fedcn]), ctx)).toEqual({
      sent: true,
    });
    expect(done).toEqual([['killCaller'], ['shutdown', 'reboot(2) called in the jail']]);
  });

  it('socketcall: SYS_SOCKET is decided on the copy by the jail’s socket rule, then made by core', () => {
    const done: Performed[] = [];
    const mem = new Map([
      [0x1000n, words(2, 1 | 0o2000000, 0)],
      [0x2000n, words(17, 3, 0)],
      [0x3000n, words(5, 16)],
    ]);
    const ctx = context(mem, done);
    expect(handlers.socketcall(call('socketcall', [1n, 0x1000n], 32), ctx)).toEqual({ sent: true });
    expect(handlers.socketcall(call('socketcall', [1n, 0x2000n], 32), ctx)).toEqual({
      errno: 'EPERM',
      reason: 'no packet sockets',
    });
    expect(handlers.listen(call('socketcall', [4n, 0x3000n], 32), ctx)).toEqual({ val: 0 });
    expect(handlers.socketcall(call('socketcall', [2n, 0x3000n], 32), ctx)).toEqual({ errno: 'EINVAL' });
    expect(done).toEqual([
      ['evaluate', 'socket', [2n, BigInt(1 | 0o2000000), 0n]],
      ['socket', 2, 1 | 0o2000000, 0, true],
      ['evaluate', 'socket', [17n, 3n, 0n]],
      ['listen', 5, 16],
    ]);
  });

  it('unix-socket: socket and socketpair of AF_UNIX are made by core in the jail’s namespace; a pair’s numbers are written', () => {
    const done: Performed[] = [];
    const ctx = context(new Map(), done);
    const cloexec = 0o2000000;
    const nonblock = 0o4000;
    expect(handlers['unix-socket'](call('socket', [1n, BigInt(1 | cloexec), 0n]), ctx)).toEqual({
      sent: true,
    });
    expect(handlers['unix-socket'](call('socket', [1n, 2n, 0n]), ctx)).toEqual({ sent: true });
    expect(handlers['unix-socket'](call('socketpair', [1n, BigInt(5 | nonblock), 0n, 0x4000n]), ctx)).toEqual(
      {
        val: 0,
      },
    );
    // only AF_UNIX is made here (the filter sends nothing else)
    expect(handlers['unix-socket'](call('socket', [2n, 1n, 0n]), ctx)).toEqual({ errno: 'EAFNOSUPPORT' });
    expect(handlers['unix-socket'](call('socketpair', [2n, 1n, 0n, 0x4000n]), ctx)).toEqual({
      errno: 'EOPNOTSUPP',
    });
    expect(done).toEqual([
      ['unixSocket', 1 | cloexec, 0, true],
      ['unixSocket', 2, 0, false],
      ['unixSocketpair', 5 | nonblock, 0, false],
      ['write', 0x4000n, '0700000008000000'],
    ]);
  });

  it('socketcall: SYS_SOCKET and SYS_SOCKETPAIR of AF_UNIX go to the jail’s namespace, decided on the copy', () => {
    const done: Performed[] = [];
    const mem = new Map([
      [0x1000n, words(1, 1, 0)],
      [0x2000n, words(1, 2 | 0o2000000, 0, 0x5000)],
      [0x3000n, words(2, 1, 0, 0x5000)],
    ]);
    const ctx = context(mem, done);
    expect(handlers.socketcall(call('socketcall', [1n, 0x1000n], 32), ctx)).toEqual({ sent: true });
    expect(handlers.socketcall(call('socketcall', [8n, 0x2000n], 32), ctx)).toEqual({ val: 0 });
    expect(handlers.socketcall(call('socketcall', [8n, 0x3000n], 32), ctx)).toEqual({ errno: 'EOPNOTSUPP' });
    expect(done).toEqual([
      ['evaluate', 'socket', [1n, 1n, 0n]],
      ['unixSocket', 1, 0, false],
      ['evaluate', 'socketpair', [1n, BigInt(2 | 0o2000000), 0n]],
      ['unixSocketpair', 2 | 0o2000000, 0, true],
      ['write', 0x5000n, '0700000008000000'],
      ['evaluate', 'socketpair', [2n, 1n, 0n]],
    ]);
  });

  it('socketcall: nothing is performed once the call is gone', () => {
    const done: Performed[] = [];
    const ctx = context(new Map([[0x1000n, words(2, 1, 0)]]), done, false);
    expect(handlers.socketcall(call('socketcall', [1n, 0x1000n], 32), ctx)).toEqual({ errno: 'ESRCH' });
    expect(done).toEqual([]);
  });

  it('setrlimit: the compat layout on a 32-bit ABI (RLIM_INFINITY widened), prlimit64’s 64-bit one', () => {
    const done: Performed[] = [];
    const limit64 = Buffer.alloc(16);
    limit64.writeBigUInt64LE(10n, 0);
    limit64.writeBigUInt64LE(20n, 8);
    const ctx = context(
      new Map([
        [0x1000n, words(100, 0xffffffff)],
        [0x2000n, limit64],
      ]),
      done,
    );
    expect(handlers.setrlimit(call('setrlimit', [7n, 0x1000n], 32), ctx)).toEqual({ val: 0 });
    expect(handlers.setrlimit(call('prlimit64', [0n, 7n, 0x2000n, 0x3000n]), ctx)).toEqual({ val: 0 });
    expect(handlers.setrlimit(call('setrlimit', [99n, 0x2000n]), ctx)).toEqual({ errno: 'EINVAL' });
    expect(done).toEqual([
      ['prlimit', 0, 'RLIMIT_NOFILE', { cur: 100n, max: 0xffffffffffffffffn }],
      ['prlimit', 0, 'RLIMIT_NOFILE', { cur: 10n, max: 20n }],
      ['write', 0x3000n, '00040000000000000010000000000000'],
    ]);
  });

  it('sethostname: longer than __NEW_UTS_LEN is EINVAL; the copy is what core sets', () => {
    const done: Performed[] = [];
    const ctx = context(new Map([[0x1000n, Buffer.from('jailed.example')]]), done);
    expect(handlers.sethostname(call('sethostname', [0x1000n, 65n]), ctx)).toEqual({ errno: 'EINVAL' });
    expect(handlers.sethostname(call('sethostname', [0x1000n, 6n]), ctx)).toEqual({ val: 0 });
    expect(done).toEqual([['sethostname', 'jailed']]);
  });
});
