// "Usable alone": pack the built package, install the tarball with plain npm into an empty project, and
// run the README's example there, verbatim.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'systrace-alone-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The fenced block between <!-- example:start --> and <!-- example:end --> in README.md. */
function readmeExample(): string {
  const md = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  const m = /<!-- example:start -->\s*```js\n([\s\S]*?)```\s*<!-- example:end -->/.exec(md);
  if (!m) throw new Error('README.md has no example block');
  return m[1];
}

describe('the packed package, alone', () => {
  it('installs with npm into an empty project and runs the README example', () => {
    expect(existsSync(join(pkgDir, 'dist/launcher/spawn-worker.js'))).toBe(true); // built (tsc -b)
    // pnpm pack rewrites `catalog:` to the real version range; npm pack would leave it unresolvable
    execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: pkgDir, stdio: 'pipe' });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const packed = execFileSync('tar', ['-tzf', join(work, tarball as string)], { encoding: 'utf8' });
    expect(packed).toContain('package/dist/launcher/spawn-worker.js');
    expect(packed).not.toContain('.test.');

    const project = join(work, 'project');
    execFileSync('mkdir', [project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'alone', private: true, type: 'module' }),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', join(work, tarball as string)], {
      cwd: project,
      stdio: 'pipe',
      timeout: 180_000,
    });
    const installed = JSON.parse(
      readFileSync(join(project, 'node_modules/@sysjail/systrace-bindings/package.json'), 'utf8'),
    );
    expect(installed.dependencies.koffi).not.toContain('catalog:');

    writeFileSync(join(project, 'example.mjs'), readmeExample());
    const run = spawnSync('node', ['example.mjs'], { cwd: project, encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toContain('uname: cannot get system name: Operation not permitted');
    expect(run.stdout).toMatch(/pid \d+ called syscall 63 \(uname\): answering EPERM/);
    expect(run.stdout).toContain('child exited { code: 1, signal: null }');
    expect({ status: run.status, signal: run.signal, error: run.error?.message }).toEqual({
      status: 0,
      signal: null,
      error: undefined,
    });
  }, 240_000);
});
