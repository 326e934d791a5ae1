/**
 * N jails started and stopped one after the other in this process (startJail, a registry) leave nothing
 * behind: no mount, child process, fd, cgroup or registry record. N is $SYSJAIL_LIFECYCLE_SEQUENCE
 * (default 100; run once with 1000 for the report).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import { openRegistry } from '../registry/registry.js';
import { cgroupsOf, eventually } from '../testing/host-state.js';
import { settled } from './engine.js';
import { startJail } from './start-jail.js';

let fx: JailFixture;
beforeAll(async () => {
  fx = await makeJailFixture('seq');
}, 60_000);
afterAll(() => fx?.cleanup());

/** What this process holds that a jail could leak. */
function processState() {
  const children = readdirSync('/proc/self/task').flatMap((t) =>
    readFileSync(`/proc/self/task/${t}/children`, 'utf8').split(' ').filter(Boolean),
  );
  return {
    fds: readdirSync('/proc/self/fd').length,
    mounts: readFileSync('/proc/self/mountinfo', 'utf8'),
    children,
    cgroups: cgroupsOf(process.pid),
  };
}

describe('jails in sequence (startJail in this process)', () => {
  const n = Number(process.env.SYSJAIL_LIFECYCLE_SEQUENCE ?? 100);

  it(`${n} jails started and stopped one after the other leave nothing behind`, async () => {
    const registry = openRegistry(join(fx.base, 'jails'));
    const one = async () => {
      const jail = await startJail({
        prison: fx.prison(),
        command: ['/bin/victim', 'sleep'],
        emulation: fx.emulation,
        registry,
        stdio: [0, 1, 2],
      });
      // Stopped once the command runs (stop-at-once.linux.test.ts stops it before).
      const children = `/proc/${jail.initPid}/task/${jail.initPid}/children`;
      expect(await eventually(() => readFileSync(children, 'utf8').trim() !== '', 5000)).toBe(true);
      expect(await jail.stop()).toMatchObject({ reason: 'stopped' });
    };
    await one(); // warm: the launcher's workers and the supervisor thread are up from here on
    await settled(); // and no refill worker is still starting (its thread's fds would come later)
    const before = processState();
    const t0 = Date.now();
    for (let i = 0; i < n; i++) await one();
    const ms = Date.now() - t0;
    await settled();
    // Exited pool workers close their fds a moment after the jail's exit.
    await eventually(() => processState().fds <= before.fds, 5000);
    const after = processState();
    expect(after.fds).toBe(before.fds);
    expect(after.mounts).toBe(before.mounts);
    expect(after.children).toEqual([]);
    expect(after.cgroups).toEqual([]);
    expect(registry.list()).toEqual([]);
    expect(readdirSync(registry.dir).filter((f) => f.endsWith('.json'))).toEqual([]);
    console.info(
      `${n} jails in sequence: ${ms} ms, ${(ms / n).toFixed(1)} ms per start+stop; fds ${before.fds} → ${after.fds}`,
    );
  }, 900_000);
});
