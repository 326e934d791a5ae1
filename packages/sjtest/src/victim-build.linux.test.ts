import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVictims } from './victim-build.js';

const cache = mkdtempSync(join(tmpdir(), 'sjtest-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

/** ELF class (1 = 32-bit, 2 = 64-bit), machine, and whether a PT_INTERP header (dynamic linking) exists. */
function elf(path: string): { bits: number; machine: number; dynamic: boolean } {
  const b = readFileSync(path);
  const is64 = b[4] === 2;
  const phoff = is64 ? Number(b.readBigUInt64LE(0x20)) : b.readUInt32LE(0x1c);
  const phentsize = b.readUInt16LE(is64 ? 0x36 : 0x2a);
  const phnum = b.readUInt16LE(is64 ? 0x38 : 0x2c);
  let dynamic = false;
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) dynamic = true;
  return { bits: is64 ? 64 : 32, machine: b.readUInt16LE(0x12), dynamic };
}

describe('victims', () => {
  it('builds a static x86_64 victim and a static i386 victim with the system compiler', () => {
    const v = buildVictims({ cacheDir: cache });
    expect(typeof v.v64).toBe('string');
    expect(typeof v.v32).toBe('string');
    expect(elf(v.v64 as string)).toEqual({ bits: 64, machine: 62, dynamic: false });
    expect(elf(v.v32 as string)).toEqual({ bits: 32, machine: 3, dynamic: false });
    for (const bin of [v.v64, v.v32] as string[]) expect(spawnSync(bin, ['exit', '5']).status).toBe(5);
  });

  it('builds the FreeBSD victim: static amd64, no libc, branded FreeBSD (OS/ABI 9)', () => {
    const v = buildVictims({ cacheDir: cache });
    expect(typeof v.fbsd).toBe('string');
    expect(elf(v.fbsd as string)).toEqual({ bits: 64, machine: 62, dynamic: false });
    expect(readFileSync(v.fbsd as string)[7]).toBe(9);
  });

  it('reuses the cache and prints one line per probe', () => {
    const v = buildVictims({ cacheDir: cache });
    const out = execFileSync(v.v32 as string, ['run', 'ip=127.0.0.5', '--', 'a=plain', 'b=no-such-probe'], {
      encoding: 'utf8',
    });
    expect(out).toBe(
      'SJTEST\ta\tok\t-\tgetpid, write\nSJTEST\tb\tskip\t-\tno probe no-such-probe in this victim\nSJTEST-END\n',
    );
  });

  it('reports every case as skipped when there is no compiler', () => {
    const v = buildVictims({ cacheDir: cache, cc: '/nonexistent/cc' });
    expect(v.v64).toEqual({ skipped: expect.stringContaining('skipped: no compiler') });
    expect(v.fbsd).toEqual({ skipped: expect.stringContaining('skipped: no compiler') });
  });
});
