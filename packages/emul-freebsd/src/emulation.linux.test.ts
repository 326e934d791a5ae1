import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freebsd } from './emulation.js';
import { freebsdErrno } from './errno.js';
import { amd64 } from './tables/amd64.js';

function head(path: string, n = 4096): Uint8Array {
  const buf = new Uint8Array(n);
  const fd = openSync(path, 'r');
  try {
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'emul-freebsd-detect-'));
const noted = join(dir, 'noted');
beforeAll(() => {
  // An OSABI 0 executable carrying a FreeBSD ABI note (NT_FREEBSD_ABI_TAG), as FreeBSD's crt1 adds.
  writeFileSync(join(dir, 'm.c'), 'int main(void) { return 0; }\n');
  writeFileSync(
    join(dir, 'note.s'),
    '\t.section .note.tag,"a",@note\n\t.p2align 2\n\t.long 8\n\t.long 4\n\t.long 1\n\t.asciz "FreeBSD"\n\t.long 1500000\n\t.section .note.GNU-stack,"",@progbits\n',
  );
  execFileSync('gcc', ['-o', noted, join(dir, 'm.c'), join(dir, 'note.s')], { stdio: 'pipe' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('freebsd emulation', () => {
  it('is an Emulation whose programs run under the loader the package builds', () => {
    expect(freebsd.name).toBe('freebsd');
    expect(freebsd.tables).toEqual([amd64]);
    expect(freebsd.errno).toBe(freebsdErrno);
    expect(freebsd.loader).toMatch(/dist\/native\/sysjail-freebsd$/);
    expect(statSync(freebsd.loader as string).mode & 0o111).not.toBe(0);
  });

  it('detects a FreeBSD-branded ELF (OSABI 9)', () => {
    const h = head('/bin/sh', 64).slice();
    expect(freebsd.detect(h)).toBe(false);
    h[7] = 9;
    expect(freebsd.detect(h)).toBe(true);
  });

  it('detects an OSABI 0 ELF by its FreeBSD ABI note, when the note is within the bytes given', () => {
    const h = head(noted);
    expect(h[7]).toBe(0);
    expect(freebsd.detect(h)).toBe(true);
    expect(freebsd.detect(h.subarray(0, 64))).toBe(false);
  });

  it('does not detect Linux binaries, scripts or junk', () => {
    expect(freebsd.detect(head('/bin/sh'))).toBe(false);
    expect(freebsd.detect(head(process.execPath))).toBe(false);
    expect(freebsd.detect(new TextEncoder().encode('#!/bin/sh\n'))).toBe(false);
    expect(freebsd.detect(new Uint8Array(3))).toBe(false);
    const truncated = head('/bin/sh', 64).slice();
    truncated[32] = 0xff; // e_phoff far beyond the buffer
    expect(freebsd.detect(truncated)).toBe(false);
  });
});
