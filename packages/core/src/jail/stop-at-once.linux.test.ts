/**
 * A jail stopped the moment startJail returns (before its init got the supervisor's go) must end like
 * any other: `exited` settles, and the next jail of the process starts. Its own file: when it fails it
 * takes the process's supervisor thread down with it.
 *
 * Regression test of "stop() right after startJail() kills the supervisor thread" (the 'go' to a dead
 * init threw EPIPE in the supervisor thread; exited never settled, later starts hung).
 */

import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import { openRegistry } from '../registry/registry.js';
import { CGROUP_PARENT, cgroupsOf } from '../testing/host-state.js';
import { startJail } from './start-jail.js';

let fx: JailFixture;
beforeAll(async () => {
  fx = await makeJailFixture('atonce');
}, 60_000);
afterAll(() => {
  // What a failed run leaves: this process's empty cgroups and registry records.
  for (const name of cgroupsOf(process.pid)) {
    try {
      rmdirSync(join(CGROUP_PARENT, name));
    } catch {}
  }
  const registry = openRegistry(join(fx.base, 'jails'));
  for (const r of registry.list()) registry.remove(r.jid);
  fx?.cleanup();
});

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

describe('stop() at once', () => {
  it('ends the jail, and the next jail starts', async () => {
    const registry = openRegistry(join(fx.base, 'jails'));
    const start = () =>
      startJail({
        prison: fx.prison(),
        command: ['/bin/victim', 'sleep'],
        emulation: fx.emulation,
        registry,
      });
    for (let i = 0; i < 10; i++) {
      const jail = await within(start(), 5000);
      if (jail === 'timeout') throw new Error(`start ${i} hung`);
      expect(await within(jail.stop(), 5000), `stop ${i}`).toMatchObject({ reason: 'stopped' });
    }
    expect(registry.list()).toEqual([]);
    expect(cgroupsOf(process.pid)).toEqual([]);
  }, 20_000);
});
