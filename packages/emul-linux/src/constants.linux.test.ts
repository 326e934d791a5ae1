import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as constants from './constants.js';
import { linuxErrno } from './errno.js';

/** Ours, or kernel-internal (not in the UAPI headers). */
const notInHeaders = new Set(['CLONE_NEW_MASK', 'SOCK_TYPE_MASK']);

const dir = mkdtempSync(join(tmpdir(), 'emul-linux-constants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compile a program that prints each name's value from the installed headers ("?" if undefined). */
function valuesFromHeaders(
  names: readonly string[],
  includes: readonly string[],
  bits: 32 | 64 = 64,
): Map<string, string> {
  const lines = names.map(
    (n) =>
      `#ifdef ${n}\n  printf("${n} %llu\\n", (unsigned long long)(unsigned int)(${n}));\n#else\n  printf("${n} ?\\n");\n#endif`,
  );
  const src = `${includes.map((h) => `#include <${h}>`).join('\n')}\n#include <stdio.h>\nint main(void) {\n${lines.join('\n')}\n  return 0;\n}\n`;
  const c = join(dir, `c${bits}.c`);
  const exe = join(dir, `c${bits}`);
  writeFileSync(c, src);
  execFileSync('gcc', [`-m${bits}`, '-o', exe, c], { stdio: 'pipe' });
  const out = execFileSync(exe, { encoding: 'utf8' });
  return new Map(
    out
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]),
  );
}

const includes = [
  'sys/socket.h',
  'sys/stat.h',
  'linux/netlink.h',
  'linux/sched.h',
  'asm/ioctls.h',
  'linux/fs.h',
  'linux/reboot.h',
  'asm/resource.h',
  'linux/ipc.h',
  'linux/net.h',
  'linux/utsname.h',
  'netinet/in.h',
];

describe('constants', () => {
  it('equal the installed kernel and libc headers (x86_64)', () => {
    const names = Object.keys(constants).filter((n) => !notInHeaders.has(n));
    const fromHeaders = valuesFromHeaders(names, includes);
    const undefinedInHeaders = names.filter((n) => fromHeaders.get(n) === '?');
    expect(undefinedInHeaders).toEqual([]);
    for (const n of names)
      expect(`${n} ${fromHeaders.get(n)}`).toBe(`${n} ${(constants as Record<string, number>)[n] >>> 0}`);
  });

  it('FS_IOC32_SETFLAGS is i386\u2019s FS_IOC_SETFLAGS', () => {
    const fromHeaders = valuesFromHeaders(['FS_IOC_SETFLAGS', 'FS_IOC_FSSETXATTR'], ['linux/fs.h'], 32);
    expect(Number(fromHeaders.get('FS_IOC_SETFLAGS'))).toBe(constants.FS_IOC32_SETFLAGS);
    expect(Number(fromHeaders.get('FS_IOC_FSSETXATTR'))).toBe(constants.FS_IOC_FSSETXATTR);
  });

  it('CLONE_NEW_MASK holds every namespace flag', () => {
    expect(constants.CLONE_NEW_MASK >>> 0).toBe(0x7e020080);
  });
});

describe('linuxErrno', () => {
  it('equals <errno.h>, aliases included', () => {
    const names = Object.keys(linuxErrno);
    expect(names.length).toBeGreaterThan(130);
    const fromHeaders = valuesFromHeaders(names, ['errno.h']);
    for (const n of names) expect(`${n} ${fromHeaders.get(n)}`).toBe(`${n} ${linuxErrno[n]}`);
    const defined =
      readFileSync('/usr/include/asm-generic/errno.h', 'utf8').match(/^#define\s+E[A-Z0-9]+/gm) ?? [];
    expect(defined.length).toBeGreaterThan(90);
  });

  it('has the errnos policies name', () => {
    expect(linuxErrno).toMatchObject({
      EPERM: 1,
      ENOSYS: 38,
      EINVAL: 22,
      EAFNOSUPPORT: 97,
      EPROTONOSUPPORT: 93,
      EAGAIN: 11,
    });
    expect(linuxErrno.EWOULDBLOCK).toBe(linuxErrno.EAGAIN);
  });
});
