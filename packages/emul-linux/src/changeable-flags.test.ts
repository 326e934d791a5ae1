// Changeable flags over the default policy: the calls whose decision a changeable flag may change go to
// the supervisor (notify 'policy'); every other call keeps, in the kernel, the decision every value of
// the flags gives it.
import type { ArgTest, Decision, Policy, Prison } from '@sysjail/core';
import { defaultPrisonFlags } from '@sysjail/core';
import { jailPolicies } from '@sysjail/core/internals';
import { describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_PACKET,
  AF_UNIX,
  FS_IOC_SETFLAGS,
  NETLINK_ROUTE,
  SOCK_DGRAM,
  SOCK_PACKET,
  SOCK_RAW,
  SOCK_STREAM,
  TIOCSTI,
} from './constants.js';
import { linux } from './emulation.js';

const prison = (flags: Partial<Prison['flags']> = {}): Prison => ({
  path: '/jail',
  hostname: 'jail',
  ipv4: ['127.0.0.2'],
  ipv6: [],
  flags: { ...defaultPrisonFlags, ...flags },
});

const holds = (t: ArgTest, args: readonly bigint[]): boolean => {
  const a = args[t.arg] & 0xffffffffn;
  switch (t.op) {
    case 'eq':
      return a === t.value;
    case 'ne':
      return a !== t.value;
    case 'masked-eq':
      return (a & t.mask) === t.value;
    case 'in':
      return t.values.includes(a);
    default:
      throw new Error(`op ${t.op} not needed here`);
  }
};

/** First matching rule's decision (the compiler's semantics), for the native ABI. */
function decide(policy: Policy, syscall: string, args: readonly bigint[]): Decision {
  for (const r of policy.rules) {
    if (r.syscall !== syscall || (r.abi !== undefined && r.abi !== 'x86_64')) continue;
    if (!r.when || r.when.every((t) => holds(t, args))) return r.decision;
  }
  return policy.defaultDecision;
}

const socketArgs = [AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, 38 /* AF_ALG */].flatMap((family) =>
  [SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_PACKET, SOCK_RAW | 0o2000000].flatMap((type) =>
    [0, NETLINK_ROUTE, 4, 1].map((proto) => [family, type, proto].map(BigInt)),
  ),
);
const ioctlArgs = [TIOCSTI, FS_IOC_SETFLAGS, 0x5401 /* TCGETS */].map((cmd) => [0n, BigInt(cmd)]);

describe('changeable flags', () => {
  const cases = [
    { flags: ['allowRawSockets'], calls: { socket: socketArgs } },
    { flags: ['allowAllDomains', 'allowRawSockets'], calls: { socket: socketArgs } },
    { flags: ['allowChflags'], calls: { ioctl: ioctlArgs } },
    { flags: ['allowIpc'], calls: { msgget: [[0n, 0n]], shmat: [[0n, 0n]] } },
    { flags: ['allowSetHostname'], calls: { sethostname: [[0n, 4n]] } },
  ] as const;
  for (const { flags, calls } of cases) {
    it(`${flags.join(' + ')}: a call the kernel decides has that decision for every value of the flags`, () => {
      for (const start of [false, true]) {
        const p = prison(Object.fromEntries(flags.map((f) => [f, start])));
        const { filter } = jailPolicies(linux, p, [], flags);
        let routed = 0;
        for (const [syscall, argSets] of Object.entries(calls)) {
          for (const args of argSets) {
            const inKernel = decide(filter, syscall, args);
            if (inKernel.action === 'notify' && inKernel.handler === 'policy') {
              routed += 1;
              continue;
            }
            for (const bits of [0, 1, 2, 3].slice(0, 1 << flags.length)) {
              const variant = prison(Object.fromEntries(flags.map((f, i) => [f, (bits & (1 << i)) !== 0])));
              expect(decide(linux.policy(variant), syscall, args), `${syscall}(${args})`).toEqual(inKernel);
            }
          }
        }
        expect(routed).toBeGreaterThan(0);
      }
    });
  }

  it('routes only what the flags decide: raw types and inet protocols but TCP and UDP, the chflags ioctls', () => {
    const raw = jailPolicies(linux, prison(), [], ['allowRawSockets']).filter;
    const routedSocket = (args: number[]) => decide(raw, 'socket', args.map(BigInt));
    // Local sockets keep the policy's own decision, whatever it is.
    for (const type of [SOCK_STREAM, SOCK_DGRAM]) {
      const args = [AF_UNIX, type, 0].map(BigInt);
      expect(decide(raw, 'socket', args)).toEqual(decide(linux.policy(prison()), 'socket', args));
      expect(decide(raw, 'socket', args)).not.toEqual({ action: 'notify', handler: 'policy' });
    }
    // TCP and UDP stay in the kernel; other inet protocols and raw types are the flag's.
    expect(routedSocket([AF_INET, SOCK_STREAM, 0])).toEqual({ action: 'allow' });
    expect(routedSocket([AF_INET, SOCK_DGRAM, 17])).toEqual({ action: 'allow' });
    expect(routedSocket([AF_INET, SOCK_STREAM, 262 /* IPPROTO_MPTCP */])).toEqual({
      action: 'notify',
      handler: 'policy',
    });
    expect(routedSocket([AF_INET, SOCK_RAW, 1])).toEqual({ action: 'notify', handler: 'policy' });
    const chflags = jailPolicies(linux, prison(), [], ['allowChflags']).filter;
    expect(decide(chflags, 'ioctl', [0n, 0x5401n])).toEqual({ action: 'allow' });
    expect(decide(chflags, 'ioctl', [0n, BigInt(FS_IOC_SETFLAGS)])).toEqual({
      action: 'notify',
      handler: 'policy',
    });
  });

  it('refuses allowRlimit (its capability would be granted from the start)', () => {
    expect(() => jailPolicies(linux, prison(), [], ['allowRlimit'])).toThrow('cannot be made changeable');
  });
});
