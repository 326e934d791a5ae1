// The FreeBSD handlers' ABI decoding against a recording context (int64 struct rlimit, FreeBSD
// resource numbers, reboot whatever howto).
import { compileFilter, defaultPrisonFlags, type HandlerContext, type NotifiedCall } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { freebsd } from './emulation.js';
import { handlers } from './handlers.js';

function context(memory: Map<bigint, Buffer>, performed: unknown[][]): HandlerContext {
  return {
    stillValid: () => true,
    read: (address: bigint, length: number) => (memory.get(address) as Buffer).subarray(0, length),
    listen: (fd: number, backlog: number) => {
      performed.push(['listen', fd, backlog]);
      return { val: 0 };
    },
    prlimit: (pid: number, resource: string, wanted: unknown) => {
      performed.push(['prlimit', pid, resource, wanted]);
      return { old: { cur: 0n, max: 0n } };
    },
    killCaller: () => void performed.push(['killCaller']),
    shutdown: (reason: string) => {
      performed.push(['shutdown', reason]);
      return { sent: true };
    },
  } as unknown as HandlerContext;
}

const call = (syscall: string, args: bigint[]): NotifiedCall => ({
  id: 1n,
  pid: 1,
  auditArch: 0,
  abi: 'amd64',
  bits: 64,
  nr: 0,
  syscall,
  args,
});

describe('FreeBSD handlers', () => {
  it('are the ones the emulation declares, and every notify of its policy has one', () => {
    expect(freebsd.handlers?.names).toEqual(Object.keys(handlers));
    const prison = { path: '/j', hostname: 'j', ipv4: ['192.0.2.1'], ipv6: [], flags: defaultPrisonFlags };
    expect(() => compileFilter(freebsd, freebsd.policy(prison))).not.toThrow();
  });

  it('setrlimit: FreeBSD resource numbers, int64 limits, a negative limit is infinity', () => {
    const done: unknown[][] = [];
    const limit = Buffer.alloc(16);
    limit.writeBigUInt64LE(64n, 0);
    limit.writeBigUInt64LE(0x7fffffffffffffffn, 8);
    const negative = Buffer.alloc(16);
    negative.writeBigInt64LE(-1n, 0);
    negative.writeBigInt64LE(-1n, 8);
    const ctx = context(
      new Map([
        [0x1000n, limit],
        [0x2000n, negative],
      ]),
      done,
    );
    expect(handlers.setrlimit(call('setrlimit', [8n, 0x1000n]), ctx)).toEqual({ val: 0 }); // FreeBSD's NOFILE
    expect(handlers.setrlimit(call('setrlimit', [7n, 0x2000n]), ctx)).toEqual({ val: 0 }); // FreeBSD's NPROC
    expect(handlers.setrlimit(call('setrlimit', [9n, 0x1000n]), ctx)).toEqual({ errno: 'EINVAL' }); // SBSIZE
    const inf = 0xffffffffffffffffn;
    expect(done).toEqual([
      ['prlimit', 0, 'RLIMIT_NOFILE', { cur: 64n, max: inf }],
      ['prlimit', 0, 'RLIMIT_NPROC', { cur: inf, max: inf }],
    ]);
  });

  it('reboot ends the jail whatever howto asks; listen is core’s', () => {
    const done: unknown[][] = [];
    const ctx = context(new Map(), done);
    expect(handlers.reboot(call('reboot', [8n]), ctx)).toEqual({ sent: true });
    expect(handlers.listen(call('listen', [3n, 5n]), ctx)).toEqual({ val: 0 });
    expect(done).toEqual([['killCaller'], ['shutdown', 'reboot(2) called in the jail'], ['listen', 3, 5]]);
  });
});
