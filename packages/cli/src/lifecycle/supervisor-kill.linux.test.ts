/**
 * SIGKILL of a background jail's supervisor (the detached `sysjail -b` process, by its recorded pid)
 * ends the jail: no jailed process survives, the registry heals on the next jls, and the jail's cgroup
 * directory, left behind by the dead supervisor, is removed by the next jail start in any process.
 */
import { existsSync } from 'node:fs';
import { processStartTime } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, pidsInNamespace, snapshotJail } from './jail-traces.js';
import { type LifecycleFixture, makeLifecycleFixture } from './lifecycle-fixture.js';
import { runTool, startBackground } from './run-tool.js';

let fx: LifecycleFixture;
beforeAll(() => {
  fx = makeLifecycleFixture('kill');
});
afterAll(() => fx?.cleanup());

describe('killing the supervisor', () => {
  it('ends the jail; jls heals the registry; the next start removes the cgroup', async () => {
    const jid = await startBackground(fx, [
      '-n',
      'orphan',
      fx.root,
      'orphan.example',
      '127.0.0.5',
      '/bin/sleep',
      '1000',
    ]);
    const s = await eventually(
      () => {
        const snap = snapshotJail(fx.registry(), jid);
        return snap.processes.length === 2 && snap;
      },
      5000,
      'the jailed sleep',
    );
    const sleep = s.processes.find((p) => p.pid !== s.record.initPid);
    const init = s.processes.find((p) => p.pid === s.record.initPid);
    expect(sleep).toBeDefined();
    expect(init).toBeDefined();
    // Dead (gone, or a zombie: the init's parent died, the host's PID 1 reaps it when it gets to it).
    const running = (p: typeof sleep) => p !== undefined && processStartTime(p.pid) === p.startTime;

    const t0 = Date.now();
    process.kill(s.record.supervisorPid, 'SIGKILL');
    await eventually(() => !running(init) && !running(sleep), 5000, 'the jailed processes to die');
    const deathMs = Date.now() - t0;
    expect(pidsInNamespace(s.pidNs)).toEqual([]);
    console.info(`jailed processes gone ${deathMs} ms after SIGKILL of the supervisor`);

    // The record is still on disk until someone lists: jls heals it and does not show the jail.
    expect(existsSync(s.recordFile)).toBe(true);
    expect((await runTool(fx, 'jls', ['-h', 'jid'])).stdout).toBe('jid\n');
    expect(existsSync(s.recordFile)).toBe(false);
    expect(await runTool(fx, 'jls', ['-j', 'orphan'])).toMatchObject({ status: 2 });

    // The cgroup directory: the supervisor had no time to remove it.
    const cgroup = s.record.cgroupPath ?? '';
    const leftBehind = existsSync(cgroup);
    console.info(`cgroup ${cgroup} ${leftBehind ? 'left behind' : 'removed'} after the supervisor's SIGKILL`);
    // The next jail start (any process) removes the cgroups of dead supervisors, once the supervisor is
    // reaped: see /tmp/core-issues.md "removeStaleCgroups keeps the cgroup of a killed supervisor while
    // it is an unreaped zombie" (the host's PID 1 here reaps 1-2 s late).
    await eventually(
      () => !existsSync(`/proc/${s.record.supervisorPid}`),
      15_000,
      'the supervisor to be reaped',
    );
    const next = await startBackground(fx, [fx.root, 'next.example', '127.0.0.5', '/bin/sleep', '100']);
    expect(existsSync(cgroup)).toBe(false);
    expect(await runTool(fx, 'jail', ['-r', String(next)])).toMatchObject({ status: 0 });
  });
});
