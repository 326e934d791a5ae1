import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x32Arch } from './arch.js';
import { linux } from './emulation.js';
import { linuxErrno } from './errno.js';
import { i386 } from './tables/i386.js';
import { x86_64 } from './tables/x86_64.js';

function header(path: string): Uint8Array {
  const buf = new Uint8Array(64);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, 64, 0);
  } finally {
    closeSync(fd);
  }
  return buf;
}

const dir = mkdtempSync(join(tmpdir(), 'emul-linux-detect-'));
const exe32 = join(dir, 'hello32');
const obj32 = join(dir, 'x32.o');
beforeAll(() => {
  writeFileSync(join(dir, 'hello.c'), 'int main(void) { return 0; }\n');
  execFileSync('gcc', ['-m32', '-static', '-o', exe32, join(dir, 'hello.c')], { stdio: 'pipe' });
  execFileSync('gcc', ['-mx32', '-c', '-o', obj32, join(dir, 'hello.c')], { stdio: 'pipe' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('linux emulation', () => {
  it('is a plain object with both tables, x32 refused, the errno map and the policy', () => {
    expect(linux.name).toBe('linux');
    expect(linux.tables).toEqual([x86_64, i386]);
    expect(linux.tables[0].arch.name).toBe('x86_64');
    expect(linux.refusedArchitectures).toEqual([x32Arch]);
    expect(x32Arch).toMatchObject({ auditArch: 0xc000003e, bits: 32, syscallBit: 0x40000000 });
    expect(linux.errno).toBe(linuxErrno);
    expect(
      linux.policy({
        path: '/',
        hostname: 'j',
        ipv4: [],
        ipv6: [],
        flags: {
          allowIpc: false,
          allowAllDomains: false,
          allowRawSockets: false,
          allowChflags: false,
          allowRlimit: false,
          allowSetHostname: true,
        },
      }).name,
    ).toBe('linux-jail');
  });

  it('detects the x86_64 /bin/sh', () => {
    expect(linux.detect(header('/bin/sh'))).toBe(true);
    expect(linux.detect(header(process.execPath))).toBe(true);
  });

  it('detects a static i386 executable (gcc -m32 -static) and runs it on this kernel', () => {
    expect(linux.detect(header(exe32))).toBe(true);
    execFileSync(exe32); // i386 emulation is on: exits 0
  });

  it('does not detect x32 code (ELFCLASS32, EM_X86_64)', () => {
    const h = header(obj32);
    expect(h[4]).toBe(1);
    expect(h[18]).toBe(62);
    expect(linux.detect(h)).toBe(false);
  });

  it('does not detect FreeBSD binaries, scripts or short reads', () => {
    const freebsd = header('/bin/sh');
    freebsd[7] = 9; // ELFOSABI_FREEBSD
    expect(linux.detect(freebsd)).toBe(false);
    expect(linux.detect(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toBe(false);
    expect(linux.detect(header('/bin/sh').subarray(0, 16))).toBe(false);
    expect(linux.detect(new Uint8Array(0))).toBe(false);
  });

  it('detects OSABI LINUX (GNU) as well as SYSV', () => {
    const gnu = header('/bin/sh');
    gnu[7] = 3;
    expect(linux.detect(gnu)).toBe(true);
  });

  it('does not detect other machines (aarch64)', () => {
    const arm = header('/bin/sh');
    arm[18] = 183; // EM_AARCH64
    arm[19] = 0;
    expect(linux.detect(arm)).toBe(false);
  });
});
