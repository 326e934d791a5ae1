import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry, rctlResources } from '@sysjail/core';
import { afterAll, describe, expect, it } from 'vitest';
import { rctlMain } from './rctl.js';

const dir = mkdtempSync(join(tmpdir(), 'sysjail-rctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
process.env.SYSJAIL_RCTL_CONF = join(dir, 'none.conf');

describe('rctl', () => {
  it("rctl.8's resource table is rctlResources", () => {
    const man = readFileSync(new URL('../../man/rctl.8', import.meta.url), 'utf8');
    const table = man.slice(man.indexOf('.\\" BEGIN RESOURCES\n'), man.indexOf('.\\" END RESOURCES'));
    const expected = [
      '.\\" BEGIN RESOURCES',
      '.Bl -tag -width writeiops',
      ...Object.entries(rctlResources).flatMap(([name, r]) => [
        `.It Li ${name}`,
        `${r.unit}; actions: ${r.actions.join(', ')}; ${r.enforced}`,
      ]),
      '.El',
      '',
    ].join('\n');
    expect(table).toBe(expected);
  });

  it('adds, lists (-h), filters and removes rules of jails not running; -a and -r need root', async () => {
    const registry = openRegistry(join(dir, 'jails'));
    expect(await rctlMain(['-a', 'jail:www:memoryuse:deny=1g', 'j:db:maxproc:deny=10'], registry, 0)).toBe(
      '',
    );
    expect(await rctlMain([], registry, 0)).toBe(
      'jail:www:memoryuse:deny=1073741824\njail:db:maxproc:deny=10\n',
    );
    expect(await rctlMain(['-h', 'jail:www'], registry, 1000)).toBe('jail:www:memoryuse:deny=1G\n');
    await expect(rctlMain(['-a', 'jail:x:maxproc:deny=1'], registry, 1000)).rejects.toThrow(
      /must be run as root/,
    );
    await expect(rctlMain(['-a', 'jail:x:maxproc'], registry, 0)).rejects.toMatchObject({ exitStatus: 2 });
    await expect(rctlMain(['-l', 'jail:x'], registry, 0)).rejects.toThrow(/only jails/);
    await expect(rctlMain(['-a', '-r', 'jail:x'], registry, 0)).rejects.toMatchObject({ exitStatus: 2 });
    expect(await rctlMain(['-r', 'jail:www'], registry, 0)).toBe('');
    expect(await rctlMain([], registry, 0)).toBe('jail:db:maxproc:deny=10\n');
  });
});
