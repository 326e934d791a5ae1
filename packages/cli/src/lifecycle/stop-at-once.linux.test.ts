/**
 * A jail stopped the moment startJail returns (before its init got the supervisor's go) must end like
 * any other: `exited` settles, and the next jail of the process starts. Its own file: when it fails it
 * takes the process's supervisor thread down with it.
 *
 * Regression test of /tmp/core-issues.md "stop() right after startJail() kills the supervisor thread"
 * (the 'go' to a dead init threw EPIPE in the supervisor thread; exited never settled, later starts hung).
 */
import { readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPrisonFlags, openRegistry, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('atonce');
});
afterAll(async () => {
  // What a failed run leaves: this process's empty cgroups and registry records.
  const parent = '/sys/fs/cgroup/unified/sysjail';
  for (const name of readdirSync(parent).filter((n) => n.startsWith(`jail-${process.pid}-`))) {
    try {
      rmdirSync(join(parent, name));
    } catch {}
  }
  for (const f of readdirSync(join(fx.runDir, 'atonce-jails')).filter((n) => n.endsWith('.json')))
    openRegistry(join(fx.runDir, 'atonce-jails')).remove(Number(f.split('.')[0]));
  await fx?.cleanup();
});

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

describe('stop() at once', () => {
  it('ends the jail, and the next jail starts', async () => {
    const registry = openRegistry(join(fx.runDir, 'atonce-jails'));
    const prison = {
      path: fx.root,
      hostname: 'atonce',
      ipv4: ['127.0.0.5'],
      ipv6: [],
      flags: defaultPrisonFlags,
    };
    const start = () => startJail({ prison, command: ['/bin/sleep', '100'], emulation: linux, registry });
    for (let i = 0; i < 10; i++) {
      const jail = await within(start(), 5000);
      if (jail === 'timeout') throw new Error(`start ${i} hung`);
      expect(await within(jail.stop(), 5000), `stop ${i}`).toMatchObject({ reason: 'stopped' });
    }
    expect(registry.list()).toEqual([]);
  }, 20_000);
});
