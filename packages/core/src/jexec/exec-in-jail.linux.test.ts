/**
 * execInJail on a real jail (root, Linux), under the uapi test emulation (test-fixtures): the command
 * runs in the jail's PID namespace and cgroup, under the jail's filter and supervisor (its mkdir calls
 * answered by the handler, counted in the jail's counters, nothing made), reports its exit status, and
 * dies with the jail.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import type { Jail } from '../jail/running-jail.js';
import { startJail } from '../jail/start-jail.js';
import type { JailRecord } from '../registry/jail-record.js';
import { openRegistry, type Registry } from '../registry/registry.js';
import { alive, cgroupProcs, eventually } from '../testing/host-state.js';
import { execInJail } from './exec-in-jail.js';

let fx: JailFixture;
let registry: Registry;
let jail: Jail;
let record: JailRecord;
beforeAll(async () => {
  fx = await makeJailFixture('exec');
  registry = openRegistry(join(fx.base, 'jails'));
  jail = await startJail({
    prison: fx.prison(),
    command: ['/bin/victim', 'sleep'],
    emulation: fx.emulation,
    registry,
  });
  record = registry.find(jail.jid)!;
}, 60_000);
afterAll(async () => {
  await jail?.stop();
  fx?.cleanup();
});

const exec = (command: string[]) => execInJail({ record, command, registryDir: registry.dir });

describe('execInJail', () => {
  it('reports the command’s exit status', async () => {
    expect(await (await exec(['/bin/victim', 'exit', '5'])).exited).toEqual({
      code: 5,
      signal: null,
      reason: 'exited',
    });
    expect(await (await exec(['/bin/victim', 'selfkill', '15'])).exited).toMatchObject({
      code: null,
      signal: 'SIGTERM',
    });
  });

  it('runs in the jail’s PID namespace and cgroup, under its filter and supervisor', async () => {
    const before = jail.counters().emulated;
    const run = await exec(['/bin/victim', 'mediated-loop', '/tmp/exec-made']);
    expect(run.hostPid).toBeDefined();
    const hostPid = run.hostPid!;
    expect(readlinkSync(`/proc/${hostPid}/ns/pid`)).toBe(readlinkSync(`/proc/${jail.initPid}/ns/pid`));
    expect(cgroupProcs(record.cgroupPath!)).toContain(hostPid);
    expect(await eventually(() => jail.counters().emulated >= before + 3, 10_000)).toBe(true);
    expect(existsSync(join(fx.root, 'tmp', 'exec-made'))).toBe(false);
    run.kill('SIGKILL');
    expect(await run.exited).toMatchObject({ code: null, signal: 'SIGKILL', reason: 'exited' });
  });

  it('dies with the jail', async () => {
    const run = await exec(['/bin/victim', 'sleep']);
    const hostPid = run.hostPid!;
    expect(alive(hostPid)).toBe(true);
    await jail.stop();
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL', reason: 'jail-gone' });
    expect(alive(hostPid)).toBe(false);
  });
});
