import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linux } from '@sysjail/emul-linux';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DiscoveredEmulation,
  dependencyDirectory,
  discoverEmulations,
  emulationSearchDirs,
  installedEmulations,
  loadEmulation,
} from './emulations.js';

const base = mkdtempSync(join(tmpdir(), 'cli-emulations-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function pkg(dir: string, manifest: object, index = ''): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  if (index) writeFileSync(join(dir, 'index.js'), index);
  return dir;
}
const declared = (name: string, native = false) => ({
  name: `@sysjail/emul-${name}`,
  sysjail: { emulation: { module: './index.js', export: name, ...(native ? { native } : {}) } },
});

describe('emulation discovery', () => {
  it('searches the cli’s siblings, then node_modules/@sysjail upwards, then NODE_PATH’s', () => {
    expect(emulationSearchDirs('/a/b/cli', '/lib/node:relative:/usr/lib/node')).toEqual([
      '/a/b',
      '/a/b/cli/node_modules/@sysjail',
      '/a/b/node_modules/@sysjail',
      '/a/node_modules/@sysjail',
      '/node_modules/@sysjail',
      '/lib/node/@sysjail',
      '/usr/lib/node/@sysjail',
    ]);
  });

  it('finds declared @sysjail/emul-* packages once, native first, and nothing else', () => {
    const siblings = join(base, 'packages');
    const upper = join(base, 'node_modules', '@sysjail');
    pkg(join(siblings, 'emul-zeta'), declared('zeta'));
    pkg(join(siblings, 'emul-native'), declared('native', true));
    pkg(join(siblings, 'emul-undeclared'), { name: '@sysjail/emul-undeclared' });
    pkg(join(siblings, 'emul-foreign'), { ...declared('foreign'), name: 'emul-foreign' });
    pkg(join(siblings, 'other'), declared('other'));
    pkg(join(upper, 'emul-alpha'), declared('alpha'));
    pkg(join(upper, 'emul-zeta'), declared('zeta')); // the sibling's name: the first found wins
    mkdirSync(join(base, 'links'));
    symlinkSync(join(siblings, 'emul-native'), join(base, 'links', 'emul-native'));
    const found = discoverEmulations([siblings, join(base, 'missing'), upper, join(base, 'links')]);
    expect(found.map((d) => [d.packageName, d.directory])).toEqual([
      ['@sysjail/emul-native', join(siblings, 'emul-native')],
      ['@sysjail/emul-alpha', join(upper, 'emul-alpha')],
      ['@sysjail/emul-zeta', join(siblings, 'emul-zeta')],
    ]);
  });

  it('loads the declared export, and refuses one that is not an emulation', async () => {
    const good = pkg(
      join(base, 'load', 'emul-good'),
      declared('good'),
      'export const good = { name: "good", tables: [], policy() {} };',
    );
    const bad = pkg(join(base, 'load', 'emul-bad'), declared('bad'), 'export const bad = 42;');
    const [b, g] = discoverEmulations([join(base, 'load')]);
    expect(g.directory).toBe(good);
    expect((await loadEmulation(g)).name).toBe('good');
    expect(b.directory).toBe(bad);
    await expect(loadEmulation(b)).rejects.toThrow('@sysjail/emul-bad: bad is not an emulation');
  });

  it("imports the cli's own emulation packages by name (what its bundles carry), any other copy from its directory", async () => {
    const cliDir = realpathSync(fileURLToPath(new URL('../', import.meta.url)));
    const own = discoverEmulations([dirname(cliDir)]).find((d) => d.packageName === '@sysjail/emul-linux');
    expect(own?.directory).toBe(join(dirname(cliDir), 'emul-linux'));
    expect(await loadEmulation(own as DiscoveredEmulation, cliDir)).toBe(linux);
    const copy = pkg(
      join(base, 'copy', 'emul-linux'),
      { ...declared('linux'), name: '@sysjail/emul-linux' },
      'export const linux = { name: "linux-copy", tables: [], policy() {} };',
    );
    const [found] = discoverEmulations([join(base, 'copy')]);
    expect(found.directory).toBe(copy);
    expect((await loadEmulation(found, cliDir)).name).toBe('linux-copy');
  });

  it('finds a dependency where require.resolve(name/package.json) does, exports maps included', () => {
    const resolved = (from: string, name: string) => {
      try {
        return dirname(
          realpathSync(createRequire(join(from, 'package.json')).resolve(`${name}/package.json`)),
        );
      } catch {
        return undefined;
      }
    };
    const cliDir = realpathSync(fileURLToPath(new URL('../', import.meta.url)));
    for (const name of [
      '@sysjail/emul-linux',
      '@sysjail/emul-freebsd',
      '@sysjail/core',
      '@sysjail/emul-none',
    ]) {
      expect(dependencyDirectory(cliDir, name)).toBe(resolved(cliDir, name));
    }
    // A tree of its own: the nearest node_modules wins; exports that leave package.json out, or a
    // package.json a symlink leads to, answer as node does.
    const app = join(base, 'resolve', 'app', 'node_modules', '@sysjail', 'cli');
    pkg(app, { name: '@sysjail/cli' });
    const near = pkg(join(base, 'resolve', 'app', 'node_modules', '@sysjail', 'emul-a'), {
      name: '@sysjail/emul-a',
    });
    pkg(join(base, 'resolve', 'node_modules', '@sysjail', 'emul-a'), { name: '@sysjail/emul-a' });
    pkg(join(base, 'resolve', 'node_modules', '@sysjail', 'emul-b'), {
      name: '@sysjail/emul-b',
      exports: { '.': './index.js', './package.json': './package.json' },
    });
    pkg(join(base, 'resolve', 'app', 'node_modules', '@sysjail', 'emul-c'), {
      name: '@sysjail/emul-c',
      exports: { '.': './index.js' },
    });
    pkg(join(base, 'resolve', 'app', 'node_modules', '@sysjail', 'emul-d'), {
      name: '@sysjail/emul-d',
      exports: './index.js',
    });
    const target = pkg(join(base, 'resolve', 'elsewhere', 'emul-e'), { name: '@sysjail/emul-e' });
    symlinkSync(target, join(base, 'resolve', 'app', 'node_modules', '@sysjail', 'emul-e'));
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `@sysjail/emul-${x}`)) {
      expect(dependencyDirectory(app, name)).toBe(resolved(app, name));
    }
    expect(dependencyDirectory(app, '@sysjail/emul-a')).toBe(realpathSync(near));
    expect(dependencyDirectory(app, '@sysjail/emul-c')).toBeUndefined();
    expect(dependencyDirectory(app, '@sysjail/emul-e')).toBe(realpathSync(target));
  });

  it('in this workspace: linux (native) first, then freebsd', async () => {
    const names = (await installedEmulations()).map((e) => e.name);
    expect(names.slice(0, 2)).toEqual(['linux', 'freebsd']);
  });
});
