/**
 * `pnpm new-emulation NAME` end to end: the generator makes a package from templates/emulation/, it
 * builds and passes its own tests (its real-jail test included), the cli finds it without an edit
 * (sysjail --explain --emulation NAME; sysjail picks it for a branded program), and core's
 * examples/template-emulation.mjs starts a jail with it.
 *
 * The package is made in a temp directory laid out like the workspace (tsconfig.base.json copied;
 * core, emul-linux and the root node_modules linked), so the jails and tools other tests run meanwhile
 * never see it; the cli run here finds it through NODE_PATH, one of the places it searches.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir } from './jail-fixture.js';

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without blocking the test's thread (vitest's worker must keep answering). */
function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<Ran>((resolve) => {
    execFile(file, args, { ...options, encoding: 'utf8', timeout: 240_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const name = `tmpl${process.pid}`;
const source = `#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  const char *names[] = { "good.example", "bad name!" };
  for (int i = 0; i < 2; i++) {
    int rc = sethostname(names[i], strlen(names[i]));
    printf("%s: %s\\n", names[i], rc == 0 ? "ok" : strerrorname_np(errno));
  }
  return 0;
}
`;

let base: string;
let pkg: string;
let root: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sysjail-new-emulation-'));
  const ws = join(base, 'ws');
  mkdirSync(join(ws, 'packages'), { recursive: true });
  copyFileSync(join(repo, 'tsconfig.base.json'), join(ws, 'tsconfig.base.json'));
  symlinkSync(join(repo, 'node_modules'), join(ws, 'node_modules'));
  for (const p of ['systrace-bindings', 'core', 'emul-linux'])
    symlinkSync(join(repo, 'packages', p), join(ws, 'packages', p));
  pkg = join(ws, 'packages', `emul-${name}`);
  execFileSync(process.execPath, [join(repo, 'scripts/new-emulation.mjs'), name, pkg], { stdio: 'pipe' });
  // What pnpm install does for the package: its workspace dependencies linked.
  mkdirSync(join(pkg, 'node_modules', '@sysjail'), { recursive: true });
  for (const p of ['core', 'emul-linux'])
    symlinkSync(join(repo, 'packages', p), join(pkg, 'node_modules', '@sysjail', p));
  // Where the cli finds it: @sysjail/emul-NAME in a NODE_PATH directory.
  mkdirSync(join(base, 'lib', '@sysjail'), { recursive: true });
  symlinkSync(pkg, join(base, 'lib', '@sysjail', `emul-${name}`));
  env = { ...process.env, NODE_PATH: join(base, 'lib'), SYSJAIL_RUN_DIR: join(base, 'run') };
  mkdirSync(join(base, 'run'));

  root = join(base, 'root');
  execFileSync(process.execPath, [join(binDir, 'mkjail.js'), root], { stdio: 'pipe' });
  writeFileSync(join(base, 'names.c'), source);
  execFileSync('gcc', ['-static', '-O1', '-o', join(root, 'bin/names'), join(base, 'names.c')]);
  // A copy branded for the template's detect: ELF OS/ABI byte 255.
  const branded = readFileSync(join(root, 'bin/names'));
  branded[7] = 255;
  writeFileSync(join(root, 'bin/names-branded'), branded, { mode: 0o755 });
}, 120_000);
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('pnpm new-emulation', () => {
  it('makes a package that builds and passes its own tests, its real jail included', async () => {
    // tsc -p: the package alone, against the built workspace packages it references (never rebuilt here).
    const tsc = await run(join(repo, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: pkg });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const vitest = await run(join(repo, 'node_modules/.bin/vitest'), ['run'], {
      cwd: pkg,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/Test Files {2}3 passed \(3\)/);
    expect(vitest.stdout).toContain('emulation.linux.test.ts');
  }, 300_000);

  it('is found by the cli without an edit: --explain names its rules and handler', async () => {
    const r = await run(process.execPath, [join(binDir, 'sysjail.js'), '--explain', '--emulation', name], {
      env,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      / sethostname +notify hostname +a host name of letters, digits, dots and dashes only/,
    );
    expect(r.stdout).toMatch(
      new RegExp(`personality +errno EPERM +${name} programs keep the execution domain`),
    );
    // Without NODE_PATH the cli does not know it.
    const without = await run(
      process.execPath,
      [join(binDir, 'sysjail.js'), '--explain', '--emulation', name],
      {
        env: { ...env, NODE_PATH: '' },
      },
    );
    expect(without.status).toBe(2);
    expect(without.stderr).toContain(`unknown emulation ${name}`);
  });

  it('sysjail runs a branded program under it (detected), a plain one under Linux', async () => {
    const sysjail = (program: string) =>
      run(process.execPath, [join(binDir, 'sysjail.js'), root, 'template.jail', '127.0.23.7', program], {
        env,
      });
    const branded = await sysjail('/bin/names-branded');
    expect(branded.stderr).toBe('');
    expect(branded.stdout).toBe('good.example: ok\nbad name!: EINVAL\n');
    expect(branded.status).toBe(0);
    // emul-linux's policy lets sethostname set any name of up to 64 bytes.
    const plain = await sysjail('/bin/names');
    expect(plain.stdout).toBe('good.example: ok\nbad name!: ok\n');
  });

  it('starts a jail with core’s examples/template-emulation.mjs', async () => {
    const example = join(repo, 'packages/core/examples/template-emulation.mjs');
    const r = await run(process.execPath, [example, pkg, root, '/bin/names'], { env });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^emulation ${name}: `));
    expect(lines.slice(1, 3)).toEqual(['good.example: ok', 'bad name!: EINVAL']);
    expect(lines[3]).toMatch(/^jail \d+: exited, code 0, signal null$/);
    expect(lines[4]).toMatch(/^jail \d+: 1 calls denied, 1 emulated$/);
    expect(r.status).toBe(0);
  });
});
