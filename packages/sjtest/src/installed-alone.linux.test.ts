// "Runs installed alone": pack the built package, install the tarball with plain npm into an empty
// project, and run `sjtest --preset bwrap` from there: it builds its victims and judges bubblewrap.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sjtest-alone-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed sjtest, alone', () => {
  it('installs with npm into an empty project and tests bubblewrap', () => {
    execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: pkgDir, stdio: 'pipe' });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'alone', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', join(work, tarball as string)], {
      cwd: project,
      stdio: 'pipe',
      timeout: 180_000,
    });
    const run = spawnSync(
      join(project, 'node_modules/.bin/sjtest'),
      ['--preset', 'bwrap', '--only', 'fs.root,host.uname,proc.kill,func.fork-exec-wait', '--tap'],
      {
        cwd: project,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, SJTEST_CACHE: join(work, 'cache') },
      },
    );
    expect(run.stdout).toMatch(/^1\.\.\d+$/m);
    for (const id of ['fs.root', 'host.uname', 'proc.kill', 'func.fork-exec-wait']) {
      expect(run.stdout).toMatch(new RegExp(`^ok \\d+ .*${id.replace('.', '\\.')}`, 'm'));
    }
    expect(run.stdout).not.toMatch(/^not ok/m);
    expect(run.status).toBe(0);
  }, 300_000);
});
