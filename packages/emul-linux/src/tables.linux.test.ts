import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyscallTable } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from './arch.js';
import { i386 } from './tables/i386.js';
import { x86_64 } from './tables/x86_64.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const headers: [SyscallTable, string][] = [
  [x86_64, '/usr/include/x86_64-linux-gnu/asm/unistd_64.h'],
  [i386, '/usr/include/x86_64-linux-gnu/asm/unistd_32.h'],
];

function readHeader(path: string): Map<string, number> {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: install the kernel UAPI headers (Debian: apt-get install linux-libc-dev)`,
    );
  }
  const defs = new Map<string, number>();
  for (const m of readFileSync(path, 'utf8').matchAll(/^#define\s+__NR_(\w+)\s+(\d+)\s*$/gm))
    defs.set(m[1], Number(m[2]));
  return defs;
}

describe.each(headers)('the %s table', (table, header) => {
  it(`has exactly the calls of ${header}, with the same numbers`, () => {
    const defs = readHeader(header);
    expect(defs.size).toBeGreaterThan(300);
    const fromTable = new Map(table.entries.map((e) => [e.name, e.nr]));
    expect(fromTable).toEqual(defs);
  });

  it('has one row per number and per name, in number order', () => {
    const nrs = table.entries.map((e) => e.nr);
    expect(new Set(nrs).size).toBe(nrs.length);
    expect(new Set(table.entries.map((e) => e.name)).size).toBe(nrs.length);
    expect([...nrs].sort((a, b) => a - b)).toEqual(nrs);
  });

  it('has at most six arguments per call', () => {
    for (const e of table.entries) expect(e.args.length, e.name).toBeLessThanOrEqual(6);
  });
});

describe('the tables', () => {
  it('carry their architecture descriptors', () => {
    expect(x86_64.arch).toEqual({ name: 'x86_64', auditArch: AUDIT_ARCH_X86_64, bits: 64, endian: 'little' });
    expect(i386.arch).toEqual({ name: 'i386', auditArch: AUDIT_ARCH_I386, bits: 32, endian: 'little' });
    expect(AUDIT_ARCH_X86_64).toBe(0xc000003e);
    expect(AUDIT_ARCH_I386).toBe(0x40000003);
  });

  it('use kernel names and leave out calls an ABI lacks', () => {
    const names = (t: SyscallTable) => new Set(t.entries.map((e) => e.name));
    expect(names(x86_64)).toContain('pread64');
    expect(names(x86_64)).toContain('umount2');
    expect(names(x86_64)).not.toContain('socketcall');
    expect(names(x86_64)).not.toContain('_llseek');
    expect(names(i386)).toContain('_llseek');
    expect(names(i386)).toContain('socketcall');
    expect(names(i386)).toContain('ipc');
    expect(names(i386)).not.toContain('semop');
    expect(x86_64.entries.find((e) => e.name === 'read')?.nr).toBe(0);
    expect(i386.entries.find((e) => e.name === 'read')?.nr).toBe(3);
  });

  it('are what the generator writes from the headers today (node scripts/generate-tables.mjs --check)', () => {
    execFileSync(process.execPath, [join(pkg, 'scripts/generate-tables.mjs'), '--check'], {
      cwd: pkg,
      stdio: 'pipe',
    });
  });
});

describe('the package exports', () => {
  it('give the tables as subpaths (built dist)', async () => {
    const run = (spec: string, expr: string) =>
      execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import('${spec}'); console.log(${expr});`],
        {
          cwd: pkg,
          encoding: 'utf8',
        },
      ).trim();
    expect(run('@sysjail/emul-linux/x86_64', 'm.x86_64.entries.length')).toBe(String(x86_64.entries.length));
    expect(run('@sysjail/emul-linux/i386', 'm.i386.entries.length')).toBe(String(i386.entries.length));
    expect(run('@sysjail/emul-linux', 'm.linux.tables.length')).toBe('2');
  });
});
