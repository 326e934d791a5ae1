import { compileFilter, defaultPrisonFlags, type Prison, type PrisonFlags } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { ELFOSABI_STANDALONE } from './detect.js';
import { __NAME__ } from './emulation.js';
import { handlers } from './handlers.js';

const prison = (flags: Partial<PrisonFlags> = {}): Prison => ({
  path: '/jail',
  hostname: 'jail.example',
  ipv4: ['192.0.2.1'],
  ipv6: [],
  flags: { ...defaultPrisonFlags, ...flags },
});

/** The first 20 bytes of an ELF header: class, data, OS/ABI, machine. */
function elfHeader(osabi: number, elfClass = 2, machine = 62): Uint8Array {
  const h = new Uint8Array(64);
  h.set([0x7f, 0x45, 0x4c, 0x46, elfClass, 1, 1, osabi]);
  h[18] = machine;
  return h;
}

describe('the __NAME__ emulation', () => {
  it('compiles for every flag combination: each rule names a syscall of its tables and a handler it has', () => {
    for (const allowSetHostname of [true, false])
      for (const allowRlimit of [true, false]) {
        const policy = __NAME__.policy(prison({ allowSetHostname, allowRlimit }));
        expect(() => compileFilter(__NAME__, policy)).not.toThrow();
        for (const r of policy.rules) {
          expect(r.reason, r.syscall).toBeTruthy();
          if (r.decision.action === 'errno') expect(__NAME__.errno).toHaveProperty(r.decision.errno);
        }
      }
  });

  it('puts its own rules first, switched by the prison', () => {
    const first = (p: Prison, syscall: string) => __NAME__.policy(p).rules.find((r) => r.syscall === syscall);
    expect(first(prison(), 'sethostname')?.decision).toEqual({ action: 'notify', handler: 'hostname' });
    expect(first(prison({ allowSetHostname: false }), 'sethostname')?.decision).toEqual({
      action: 'errno',
      errno: 'EPERM',
    });
    expect(first(prison(), 'personality')?.decision).toEqual({ action: 'errno', errno: 'EPERM' });
  });

  it('declares the handlers its module has', () => {
    expect(__NAME__.handlers?.names).toEqual(Object.keys(handlers));
    expect(__NAME__.handlers?.module).toMatch(/\/dist\/handlers\.js$/);
  });

  it('detects x86_64 ELF files branded ELFOSABI_STANDALONE, nothing else', () => {
    expect(__NAME__.detect(elfHeader(ELFOSABI_STANDALONE))).toBe(true);
    expect(__NAME__.detect(elfHeader(0))).toBe(false); // a plain Linux program: emul-linux's
    expect(__NAME__.detect(elfHeader(ELFOSABI_STANDALONE, 1, 3))).toBe(false); // i386
    expect(__NAME__.detect(new TextEncoder().encode('#!/bin/sh\n'))).toBe(false);
  });
});
