/**
 * SIGKILL of the shared supervisor (the one process that hosts every background jail) ends every jail
 * it served: no jailed process survives, not even an init stopped with SIGSTOP (its parent-death signal,
 * set again after the launcher thread let it go, fires); nothing is left mounted, nothing holds their UNIX
 * sockets' network namespaces (each jail makes some first: a namespace is made with a jail's first UNIX
 * socket). The next start (a new supervisor) clears what the dead one left: registry
 * records, cgroups, counters files, its socket and pid file.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdersOf, netnsFds } from '../integration/host-state.js';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import {
  type JailSnapshot,
  leftovers,
  pidsInNamespace,
  snapshotJail,
  waitUntil,
} from '../integration/jail-traces.js';
import { runTool, startBackground } from '../integration/run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('kill');
});
afterAll(() => fx?.cleanup());

const supervisorFiles = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.startsWith('supervisor-'))
    .sort();
const running = (p: { pid: number; startTime: number }) => processStartTime(p.pid) === p.startTime;

describe('killing the shared supervisor', () => {
  it('ends every jail it served; the next start removes what it left', async () => {
    // Each jail makes UNIX sockets first (their namespace is made with the first one) and holds them.
    const squat = (i: number) => `/bin/probe64 unix-squat orphan${i}-${process.pid} 1000000 >/dev/null &`;
    const commands = [
      ['/bin/sh', '-c', `${squat(0)} exec /bin/sleep 1000`],
      ['/bin/sh', '-c', `${squat(1)} while :; do sleep 1; done`],
      ['/bin/sh', '-c', `${squat(2)} sleep 1000 & sleep 1000`],
    ];
    const jids: number[] = [];
    for (const [i, command] of commands.entries()) {
      jids.push(
        await startBackground(fx, [
          '-n',
          `orphan${i}`,
          fx.root,
          `orphan${i}.example`,
          `127.0.20.${i + 1}`,
          ...command,
        ]),
      );
    }
    const snaps: JailSnapshot[] = [];
    for (const jid of jids) {
      snaps.push(
        await waitUntil(
          () => {
            const s = snapshotJail(fx.registry(), jid);
            return s.processes.length >= 2 && s;
          },
          5000,
          `jail ${jid}'s command`,
        ),
      );
    }
    const supervisors = new Set(snaps.map((s) => s.record.supervisorPid));
    expect(supervisors.size).toBe(1);
    const supervisorPid = snaps[0].record.supervisorPid;
    expect(readFileSync(`/proc/${supervisorPid}/comm`, 'utf8').trim()).toBe('sysjail-supervi');
    expect(supervisorFiles(fx.runDir)).toHaveLength(2); // its socket and pid file
    const counters = join(fx.runDir, 'counters');
    expect(readdirSync(counters).sort()).toEqual(jids.map((j) => `${j}.json`).sort());
    // Each jail's UNIX namespace: a network namespace the supervisor holds by descriptor, not the host's
    // (this test's: a supervisor thread is in a jail's while it makes a UNIX socket for it).
    const host = readlinkSync('/proc/thread-self/ns/net');
    const unixNamespaces = await waitUntil(
      () => {
        const held = [...new Set(netnsFds(supervisorPid))].filter((n) => n !== host);
        return held.length >= 3 && held;
      },
      5000,
      'the jails’ UNIX namespaces',
    );
    expect(unixNamespaces).toHaveLength(3);
    // One init stopped: it cannot read the EOF of its control channel; only the parent-death signal ends it.
    process.kill(snaps[0].record.initPid ?? 0, 'SIGSTOP');

    const t0 = Date.now();
    process.kill(supervisorPid, 'SIGKILL');
    const all = snaps.flatMap((s) => s.processes);
    await waitUntil(() => all.every((p) => !running(p)), 5000, 'every jailed process to die');
    console.info(
      `${all.length} jailed processes of 3 jails gone ${Date.now() - t0} ms after SIGKILL of the supervisor`,
    );
    for (const s of snaps) {
      expect(pidsInNamespace(s.pidNs)).toEqual([]);
      // Left until someone cleans: the cgroup (no time to remove it) and the record (until a listing).
      const allowed = [`cgroup ${s.record.cgroupPath}`, `registry record ${s.recordFile}`];
      for (const l of leftovers(s)) expect(allowed).toContain(l);
    }
    // Their UNIX namespaces went with the supervisor: nothing is in one or holds one.
    for (const ns of unixNamespaces) expect(holdersOf(ns), ns).toEqual([]);
    // The jails' mounts lived in their own mount namespaces: none reached the host's.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(fx.root);
    // jls does not show them (it drops the dead supervisor's records).
    expect((await runTool(fx, 'jls', ['-h', 'jid'])).stdout).toBe('jid\n');

    // The next start: a new supervisor, which removes the dead one's cgroups, counters, socket and pid file.
    await waitUntil(() => !existsSync(`/proc/${supervisorPid}`), 15_000, 'the supervisor to be reaped');
    const next = await startBackground(fx, [fx.root, 'next.example', '127.0.20.9', '/bin/sleep', '100']);
    const nextRecord = fx.registry().find(next);
    expect(nextRecord?.supervisorPid).not.toBe(supervisorPid);
    // (A namespace number may be reused by the new jail: the processes were checked above.)
    for (const s of snaps) {
      expect(existsSync(s.record.cgroupPath ?? '/nonexistent')).toBe(false);
      expect(existsSync(s.recordFile)).toBe(false);
    }
    expect(readdirSync(counters)).toEqual([`${next}.json`]);
    expect(supervisorFiles(fx.runDir)).toHaveLength(2);
    expect(
      readFileSync(join(fx.runDir, supervisorFiles(fx.runDir).find((n) => n.endsWith('.pid')) ?? ''), 'utf8'),
    ).toContain(`"pid":${nextRecord?.supervisorPid}`);
    expect(await runTool(fx, 'jail', ['-r', String(next)])).toMatchObject({ status: 0, stderr: '' });
    // Its last jail gone, the supervisor exits and takes its socket and pid file with it.
    await waitUntil(() => supervisorFiles(fx.runDir).length === 0, 5000, 'the supervisor to exit');
    expect(readdirSync(fx.registry().dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});
