/**
 * reboot(2) inside a background jail shuts that jail down and nothing else: a second jail of the same
 * shared supervisor keeps running, jls no longer lists the first. The victim calls reboot only after proving that its PID namespace is
 * not the host's (st_ino of /proc/self/ns/pid compared with the host's, passed as an argument).
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { leftovers, snapshotJail, waitGone, waitUntil } from '../integration/jail-traces.js';
import { runTool, startBackground } from '../integration/run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('reboot');
});
afterAll(() => fx?.cleanup());

describe('reboot(2) in a background jail', () => {
  it('ends that jail only', async () => {
    const hostPidNs = statSync('/proc/self/ns/pid').ino;
    expect(statSync(`/proc/${process.pid}/ns/pid`).ino).toBe(hostPidNs);
    const victim = await startBackground(fx, [
      '-n',
      'victim',
      fx.root,
      'victim.example',
      '127.0.0.5',
      '/bin/sh',
      '-c',
      `victim wait /tmp/go-reboot && exec victim reboot ${hostPidNs}`,
    ]);
    const bystander = await startBackground(fx, [
      '-n',
      'bystander',
      fx.root,
      'bystander.example',
      '127.0.0.6',
      '/bin/sh',
      '-c',
      'while :; do sleep 1; done',
    ]);
    const both = (jid: number) =>
      waitUntil(
        () => {
          const s = snapshotJail(fx.registry(), jid);
          return s.processes.length >= 2 && s;
        },
        5000,
        `jail ${jid} running`,
      );
    const v = await both(victim);
    const b = await both(bystander);
    expect(v.pidNs).not.toBe(`pid:[${hostPidNs}]`);

    writeFileSync(join(fx.root, 'tmp', 'go-reboot'), '');
    // (The supervisor is the one both jails share: it stays.)
    expect(await waitGone(v, 10_000, { supervisor: false })).toEqual([]);
    // The bystander: its supervisor, its init, its cgroup and its record are all still there.
    const left = leftovers(b);
    expect(left).toContain(`supervisor ${b.record.supervisorPid} runs`);
    expect(left).toContain(`process ${b.record.initPid} runs`);
    expect(left).toContain(`cgroup ${b.record.cgroupPath}`);
    expect(left).toContain(`registry record ${b.recordFile}`);
    const jls = await runTool(fx, 'jls', ['-h', 'jid', 'name']);
    expect(jls.stdout).toBe(`jid name\n${bystander} bystander\n`);

    expect(await runTool(fx, 'jail', ['-r', 'bystander'])).toMatchObject({ status: 0 });
    expect(await waitGone(b)).toEqual([]);
  });
});
