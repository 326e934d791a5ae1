/**
 * sysjail-freebsd outside a jail: real FreeBSD programs from npm run through the loader, and programs
 * it cannot run are refused with one line and exit status 1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freebsdLoaderPath } from './emulation.js';
import { ESBUILD_VERSION, freebsdEsbuild, freebsdNgrok } from './npm-programs.js';

const dir = mkdtempSync(join(tmpdir(), 'emul-freebsd-loader-'));
let esbuild: string;
beforeAll(() => {
  esbuild = freebsdEsbuild();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], input?: string, cwd?: string) =>
  spawnSync(freebsdLoaderPath, args, { input, cwd, encoding: 'utf8', timeout: 60_000 });

describe('sysjail-freebsd', () => {
  it('runs the FreeBSD esbuild: --version', () => {
    const r = run([esbuild, 'esbuild', '--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(ESBUILD_VERSION);
    expect(r.status).toBe(0);
  });

  it('transforms TypeScript from stdin', () => {
    const r = run(
      [esbuild, 'esbuild', '--loader=ts'],
      'const n: number = 1;\nexport const f = (s: string): string => s + n;\n',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('const n = 1;\nexport const f = (s) => s + n;\n');
  });

  it('bundles a project of several directories (open, stat, getdirentries, threads)', () => {
    const proj = join(dir, 'proj');
    mkdirSync(join(proj, 'src', 'lib', 'deep'), { recursive: true });
    writeFileSync(
      join(proj, 'src', 'main.ts'),
      'import { a } from "./lib";\nimport { b } from "./lib/deep/b";\nconsole.log(a() + b());\n',
    );
    writeFileSync(join(proj, 'src', 'lib', 'index.ts'), 'export const a = (): number => 40;\n');
    writeFileSync(join(proj, 'src', 'lib', 'deep', 'b.ts'), 'export function b(): number { return 2; }\n');
    const r = run(
      [esbuild, 'esbuild', '--bundle', 'src/main.ts', '--outfile=out/bundle.js', '--log-level=warning'],
      undefined,
      proj,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = readFileSync(join(proj, 'out', 'bundle.js'), 'utf8');
    expect(out).toContain('// src/lib/deep/b.ts');
    expect(execFileSync(process.execPath, [join(proj, 'out', 'bundle.js')], { encoding: 'utf8' })).toBe(
      '42\n',
    );
  });

  it('runs the FreeBSD ngrok (Go 1.16, FreeBSD 11 kevent): version', () => {
    const r = run([freebsdNgrok(), 'ngrok', 'version']);
    expect(r.stdout.trim()).toBe('ngrok version 2.3.41');
    expect(r.status).toBe(0);
  }, 300_000);

  it('refuses a dynamically linked FreeBSD program, an i386 one and a Linux one, in one line, status 1', () => {
    const head = readFileSync(esbuild).subarray(0, 4096);
    const i386 = Buffer.from(head);
    i386[4] = 1; // ELFCLASS32
    writeFileSync(join(dir, 'i386'), i386, { mode: 0o755 });
    const dynamic = Buffer.from(readFileSync('/bin/sh'));
    dynamic[7] = 9; // a dynamic ELF branded FreeBSD: it has PT_INTERP
    writeFileSync(join(dir, 'dynamic'), dynamic, { mode: 0o755 });
    copyFileSync('/bin/true', join(dir, 'linux'));
    const cases: [string, RegExp][] = [
      ['dynamic', /dynamically linked against FreeBSD's libc/],
      ['i386', /32-bit \(i386\) FreeBSD program/],
      ['linux', /not a FreeBSD program/],
    ];
    for (const [name, message] of cases) {
      const r = run([join(dir, name), name]);
      expect(r.status, name).toBe(1);
      expect(r.stdout, name).toBe('');
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(message);
    }
  });

  it('says how it is used when given no program', () => {
    const r = run([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage: sysjail-freebsd path argv0/);
  });
});
