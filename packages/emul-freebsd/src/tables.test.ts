import { describe, expect, it } from 'vitest';
import { amd64Arch } from './arch.js';
import { amd64 } from './tables/amd64.js';

const byName = (name: string) => amd64.entries.find((e) => e.name === name);

describe('the FreeBSD amd64 table', () => {
  it('has one row per number and per name, in number order', () => {
    const nrs = amd64.entries.map((e) => e.nr);
    expect(new Set(nrs).size).toBe(nrs.length);
    expect(new Set(amd64.entries.map((e) => e.name)).size).toBe(nrs.length);
    expect([...nrs].sort((a, b) => a - b)).toEqual(nrs);
    expect(nrs[0]).toBe(0);
    expect(nrs.at(-1)).toBe(587);
    expect(nrs.length).toBeGreaterThan(350);
  });

  it('has the numbers of syscalls.master', () => {
    const known: Record<string, number> = {
      exit: 1,
      fork: 2,
      read: 3,
      write: 4,
      open: 5,
      close: 6,
      wait4: 7,
      execve: 59,
      ioctl: 54,
      reboot: 55,
      socket: 97,
      connect: 98,
      bind: 104,
      listen: 106,
      setrlimit: 195,
      __sysctl: 202,
      jail: 338,
      sigaction: 416,
      _umtx_op: 454,
      thr_new: 455,
      pread: 475,
      mmap: 477,
      lseek: 478,
      openat: 499,
      jail_set: 507,
      cap_enter: 516,
      pdfork: 518,
      fstat: 551,
      fstatat: 552,
      getdirentries: 554,
      mknodat: 559,
      kevent: 560,
      getrandom: 563,
      close_range: 575,
      timerfd_settime: 587,
    };
    for (const [name, nr] of Object.entries(known)) expect(byName(name)?.nr, name).toBe(nr);
  });

  it('leaves out compat, obsolete and reserved slots', () => {
    for (const nr of [8, 11, 14, 38, 40, 62, 84, 91, 188, 210, 220, 493, 498]) {
      expect(
        amd64.entries.find((e) => e.nr === nr),
        `nr ${nr}`,
      ).toBeUndefined();
    }
  });

  it('gives argument kinds and derived classes', () => {
    expect(byName('read')?.args).toEqual(['fd', 'ptr', 'long']);
    expect(byName('openat')?.classes).toEqual(['file', 'desc']);
    expect(byName('socket')?.classes).toEqual(['network']);
    for (const e of amd64.entries) {
      expect(e.args.length, e.name).toBeLessThanOrEqual(8);
      expect(e.classes?.includes('file'), e.name).toBe(e.args.includes('path'));
      expect(e.classes?.includes('desc'), e.name).toBe(e.args.includes('fd'));
    }
  });

  it('carries the amd64 descriptor', () => {
    expect(amd64.arch).toBe(amd64Arch);
    expect(amd64Arch).toEqual({ name: 'amd64', auditArch: 0xc000003e, bits: 64, endian: 'little' });
  });
});
