/**
 * FreeBSD programs in a jail: the FreeBSD builds of esbuild and ngrok (from npm) run by the jail's
 * program loader (sysjail-freebsd) under the jail's Linux filter; a FreeBSD program the layer cannot
 * run is refused in one line with status 1.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESBUILD_VERSION, freebsdEsbuild, freebsdNgrok } from '@sysjail/emul-freebsd/npm-programs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { runJail } from './run-jail.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('freebsd');
  const bin = join(fx.root, 'usr', 'local', 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(freebsdEsbuild(), join(bin, 'esbuild'));
  copyFileSync(freebsdNgrok(), join(bin, 'ngrok'));
  const dynamic = Buffer.from(readFileSync('/bin/sh'));
  dynamic[7] = 9; // FreeBSD-branded and dynamically linked
  writeFileSync(join(bin, 'bsd-dynamic'), dynamic);
  for (const f of ['esbuild', 'ngrok', 'bsd-dynamic']) chmodSync(join(bin, f), 0o755);
  const proj = join(fx.root, 'proj');
  mkdirSync(join(proj, 'src', 'lib'), { recursive: true });
  writeFileSync(
    join(proj, 'src', 'main.ts'),
    'import { a } from "./lib/a";\nimport { b } from "./lib/b";\nconsole.log(a() + b());\n',
  );
  writeFileSync(join(proj, 'src', 'lib', 'a.ts'), 'export const a = (): number => 40;\n');
  writeFileSync(join(proj, 'src', 'lib', 'b.ts'), 'export function b(): number { return 2; }\n');
}, 300_000);
afterAll(() => fx?.cleanup());

const jail = (command: string[], input?: string) =>
  runJail(fx, [fx.root, 'bsd.example', '127.0.0.5', ...command], { input, timeoutMs: 60_000 });

describe('FreeBSD programs in a jail', () => {
  it('esbuild --version', async () => {
    const r = await jail(['/usr/local/bin/esbuild', '--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(ESBUILD_VERSION);
    expect(r.status).toBe(0);
  });

  it('esbuild transforms TypeScript from stdin', async () => {
    const r = await jail(['esbuild', '--loader=ts'], 'const n: number = 1;\nexport { n };\n');
    expect(r.stdout).toBe('const n = 1;\nexport { n };\n');
    expect(r.status).toBe(0);
  });

  it('esbuild --bundle over a project in the jail', async () => {
    const r = await jail([
      'esbuild',
      '--bundle',
      '/proj/src/main.ts',
      '--outfile=/proj/out/bundle.js',
      '--log-level=warning',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = readFileSync(join(fx.root, 'proj', 'out', 'bundle.js'), 'utf8');
    expect(out).toContain('// proj/src/lib/b.ts');
    expect(out).toContain('console.log(a() + b());');
  });

  it('ngrok version', async () => {
    const r = await jail(['/usr/local/bin/ngrok', 'version']);
    expect(r.stdout.trim()).toBe('ngrok version 2.3.41');
    expect(r.status).toBe(0);
  });

  it('a dynamically linked FreeBSD program: one line, status 1', async () => {
    const r = await jail(['/usr/local/bin/bsd-dynamic']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/dynamically linked against FreeBSD's libc/);
  });

  it('a Linux command in the same kind of jail is run by the kernel, not the loader', async () => {
    const r = await jail(['/bin/sh', '-c', 'readlink /proc/self/exe; echo ok']);
    expect(r.stdout).toBe('/bin/busybox\nok\n');
    expect(r.status).toBe(0);
  });
});
