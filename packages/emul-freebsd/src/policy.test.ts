import type { Prison, PrisonFlags } from '@sysjail/core';
import { defaultPrisonFlags } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { freebsdErrno } from './errno.js';
import { forbiddenCalls, freebsdJailPolicy, sysvIpcCalls } from './policy.js';
import { amd64 } from './tables/amd64.js';

const prison = (flags: Partial<PrisonFlags> = {}, ipv4 = ['192.0.2.1'], ipv6: string[] = []): Prison => ({
  path: '/jail',
  hostname: 'jail',
  ipv4,
  ipv6,
  flags: { ...defaultPrisonFlags, ...flags },
});

describe('freebsdJailPolicy', () => {
  const all: Partial<PrisonFlags> = {
    allowIpc: true,
    allowAllDomains: true,
    allowRawSockets: true,
    allowChflags: true,
    allowRlimit: true,
  };

  it('names only syscalls of the table and errnos of the FreeBSD map, each rule with a reason', () => {
    const names = new Set(amd64.entries.map((e) => e.name));
    for (const p of [prison(), prison(all, [], ['2001:db8::1'])]) {
      const policy = freebsdJailPolicy(p);
      expect(policy.unknownDecision).toEqual({ action: 'errno', errno: 'ENOSYS' });
      for (const r of policy.rules) {
        expect(names, r.syscall).toContain(r.syscall);
        expect(r.reason).toBeTruthy();
        if (r.decision.action === 'errno') expect(freebsdErrno).toHaveProperty(r.decision.errno);
      }
    }
  });

  it('has the jail rules, switched by the prison flags', () => {
    const rules = freebsdJailPolicy(prison()).rules;
    const decisions = (name: string) => rules.filter((r) => r.syscall === name).map((r) => r.decision);
    for (const name of sysvIpcCalls)
      expect(decisions(name), name).toEqual([{ action: 'errno', errno: 'ENOSYS' }]);
    for (const name of Object.keys(forbiddenCalls))
      expect(decisions(name), name).toEqual([{ action: 'errno', errno: 'EPERM' }]);
    expect(decisions('listen')).toEqual([{ action: 'notify', handler: 'listen' }]);
    expect(decisions('reboot')).toEqual([{ action: 'notify', handler: 'reboot' }]);
    expect(decisions('setrlimit')).toEqual([{ action: 'notify', handler: 'setrlimit' }]);
    expect(decisions('socket').at(-1)).toEqual({ action: 'errno', errno: 'EAFNOSUPPORT' });
    expect(decisions('chflags')).toHaveLength(2);

    const open = freebsdJailPolicy(prison(all)).rules;
    expect(open.some((r) => (sysvIpcCalls as readonly string[]).includes(r.syscall))).toBe(false);
    expect(open.some((r) => ['chflags', 'setrlimit'].includes(r.syscall))).toBe(false);
    expect(open.filter((r) => r.syscall === 'socket').at(-1)?.decision).toEqual({
      action: 'errno',
      errno: 'EAFNOSUPPORT',
    }); // no IPv6
  });
});

describe('freebsdErrno', () => {
  it('is FreeBSD\u2019s numbering, not Linux\u2019s', () => {
    expect(freebsdErrno).toMatchObject({
      EPERM: 1,
      EAGAIN: 35,
      EWOULDBLOCK: 35,
      EOPNOTSUPP: 45,
      ENOTSUP: 45,
      EAFNOSUPPORT: 47,
      ENOSYS: 78,
      ECAPMODE: 94,
      EINTEGRITY: 97,
    });
    const numbers = Object.entries(freebsdErrno)
      .filter(([n]) => n !== 'EWOULDBLOCK' && n !== 'ENOTSUP')
      .map(([, v]) => v);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.max(...numbers)).toBe(97);
  });
});
