import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cString } from './c-string.js';
import { errnoName, errnoNumber, SyscallError, SysjailBindingsError } from './errors.js';
import { syscall, syscall0, syscall3, syscallNoThrow } from './syscall.js';
import { sysno, sysnoName } from './sysno.js';

describe('errno table', () => {
  it('names and numbers round-trip', () => {
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(9)).toBe('EBADF');
    expect(errnoName(133)).toBe('EHWPOISON');
    expect(errnoName(524)).toBe('ENOTSUPP');
    expect(errnoName(9999)).toBe('E9999');
    expect(errnoNumber('EWOULDBLOCK')).toBe(11);
    expect(errnoNumber('ENOSYS')).toBe(38);
    for (let n = 1; n <= 133; n++) {
      if (n === 41 || n === 58) continue; // unused numbers in asm-generic
      expect(errnoNumber(errnoName(n))).toBe(n);
    }
  });
});

describe('syscall', () => {
  it('returns the kernel result', () => {
    expect(syscall0(sysno.getpid)).toBe(process.pid);
    expect(syscall(sysno.getpid)).toBe(process.pid);
  });

  it('passes buffers as pointers, written in place', () => {
    const uts = Buffer.alloc(6 * 65);
    expect(syscall(sysno.uname, uts)).toBe(0);
    expect(uts.toString('latin1', 0, 5)).toBe('Linux');
    // a subarray passes its own first byte
    const big = Buffer.alloc(1000);
    syscall(sysno.uname, big.subarray(100));
    expect(big.toString('latin1', 100, 105)).toBe('Linux');
  });

  it('passes negative numbers and bigints as registers', () => {
    const fd = syscall(sysno.openat, -100, cString('/proc/self/status'), 0, 0);
    expect(fd).toBeGreaterThan(2);
    expect(syscall(sysno.close, BigInt(fd))).toBe(0);
  });

  it('throws SyscallError with errno and its name: EBADF', () => {
    try {
      syscall3(sysno.read, 987654, Buffer.alloc(1), 1);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SyscallError);
      expect(e).toBeInstanceOf(SysjailBindingsError);
      const err = e as SyscallError;
      expect(err.code).toBe('SYSCALL_FAILED');
      expect(err.syscall).toBe('read');
      expect(err.errno).toBe(9);
      expect(err.errnoName).toBe('EBADF');
    }
  });

  it('ENOENT and EFAULT', () => {
    expect(() => syscall(sysno.openat, -100, cString('/nonexistent/x'), 0, 0)).toThrow(
      expect.objectContaining({ errnoName: 'ENOENT', syscall: 'openat' }),
    );
    expect(syscallNoThrow(sysno.uname, 8)).toBe(-14);
  });

  it('names syscall numbers', () => {
    expect(sysnoName(317)).toBe('seccomp');
    expect(sysnoName(100000)).toBe('syscall_100000');
    expect(() => syscall(sysno.getpid, 0, 0, 0, 0, 0, 0, 0)).toThrow(RangeError);
  });
});

describe('sysno', () => {
  const header = ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h'].find(
    existsSync,
  );
  it.runIf(header !== undefined)("every number is the kernel header's (its source of truth)", () => {
    const numbers = new Map(
      [...readFileSync(header as string, 'utf8').matchAll(/^#define __NR_(\w+) (\d+)$/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    expect(numbers.size).toBeGreaterThan(300);
    for (const [name, n] of Object.entries(sysno)) expect([name, numbers.get(name)]).toEqual([name, n]);
  });
});
