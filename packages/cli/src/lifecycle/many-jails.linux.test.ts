/**
 * Many jails: 50 background jails side by side (the cli, each running a small loop), all listed, all
 * served by one shared supervisor, all stopped cleanly; then N jails started and stopped in sequence through the library (startJail, in this
 * process), which must leave no mount, process, fd, cgroup or registry entry behind.
 * N is $SYSJAIL_LIFECYCLE_SEQUENCE (default 100; run once with 1000 for the report).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPrisonFlags, openRegistry, settled, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { runTool, startBackground } from '../integration/run-tool.js';
import { eventually, type JailSnapshot, snapshotJail, waitGone } from './jail-traces.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('many');
});
afterAll(() => fx?.cleanup());

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]);
  };
  await Promise.all(Array.from({ length: width }, lane));
  return out;
}

describe('50 background jails side by side', () => {
  it('all start, all are listed, all stop without a trace', async () => {
    const count = 50;
    const indexes = Array.from({ length: count }, (_, i) => i + 1);
    const t0 = Date.now();
    const jids = await inBatches(indexes, 4, (i) =>
      startBackground(fx, [
        '-n',
        `many${i}`,
        fx.root,
        `many${i}.example`,
        `127.0.1.${i}`,
        '/bin/sh',
        '-c',
        'while :; do sleep 1; done',
      ]),
    );
    const startMs = Date.now() - t0;
    expect(new Set(jids).size).toBe(count);

    const jls = (await runTool(fx, 'jls', ['-h', 'jid', 'name', 'ip4.addr'])).stdout.trim().split('\n');
    expect(jls[0]).toBe('jid name ip4.addr');
    expect(jls.slice(1).sort()).toEqual(indexes.map((i) => `${jids[i - 1]} many${i} 127.0.1.${i}`).sort());
    const sjls = JSON.parse((await runTool(fx, 'sjls', ['--json'])).stdout).jails as {
      jid: number;
      processes: number;
    }[];
    expect(sjls).toHaveLength(count);
    for (const j of sjls) expect(j.processes).toBeGreaterThanOrEqual(2);
    const snapshots: JailSnapshot[] = jids.map((jid) => snapshotJail(fx.registry(), jid));
    // One shared supervisor serves them all.
    const supervisors = new Set(snapshots.map((s) => s.record.supervisorPid));
    expect(supervisors.size).toBe(1);
    const [supervisorPid] = supervisors;
    const rssMb =
      Number(/^VmRSS:\s+([0-9]+)/m.exec(readFileSync(`/proc/${supervisorPid}/status`, 'utf8'))?.[1]) / 1024;
    const threads = Number(
      /^Threads:\s+([0-9]+)/m.exec(readFileSync(`/proc/${supervisorPid}/status`, 'utf8'))?.[1],
    );

    const t1 = Date.now();
    const stops = await inBatches(jids, 4, (jid) => runTool(fx, 'jail', ['-r', String(jid)]));
    for (const r of stops) expect(r).toMatchObject({ status: 0, stderr: '' });
    const stopMs = Date.now() - t1;
    for (const s of snapshots) expect(await waitGone(s), `jail ${s.record.jid}`).toEqual([]);
    const goneMs = Date.now() - t1;
    expect((await runTool(fx, 'jls', ['-h', 'jid'])).stdout).toBe('jid\n');
    console.info(
      `50 background jails: started in ${startMs} ms (4 at a time), jail -r of all ${stopMs} ms, all traces gone ${goneMs} ms; one supervisor, ${rssMb.toFixed(1)} MB resident, ${threads} threads`,
    );
  }, 300_000);
});

/** What this process holds that a jail could leak. */
function processState() {
  const cgroupParent = '/sys/fs/cgroup/unified/sysjail';
  let cgroups: string[] = [];
  try {
    cgroups = readdirSync(cgroupParent).filter((n) => n.startsWith(`jail-${process.pid}-`));
  } catch {}
  const children = readdirSync('/proc/self/task').flatMap((t) =>
    readFileSync(`/proc/self/task/${t}/children`, 'utf8').split(' ').filter(Boolean),
  );
  return {
    fds: readdirSync('/proc/self/fd').length,
    mounts: readFileSync('/proc/self/mountinfo', 'utf8'),
    children,
    cgroups,
  };
}

describe('jails in sequence (startJail in this process)', () => {
  const n = Number(process.env.SYSJAIL_LIFECYCLE_SEQUENCE ?? 100);

  it(`${n} jails started and stopped one after the other leave nothing behind`, async () => {
    const registry = openRegistry(join(fx.runDir, 'seq-jails'));
    const prison = {
      path: fx.root,
      hostname: 'seq.example',
      ipv4: ['127.0.0.5'],
      ipv6: [],
      flags: defaultPrisonFlags,
    };
    const one = async () => {
      const jail = await startJail({
        prison,
        command: ['/bin/sleep', '100'],
        emulation: linux,
        registry,
        stdio: [0, 1, 2],
      });
      // Stop only once the command runs: a stop before the init got its go kills the supervisor thread
      // (/tmp/core-issues.md "stop() right after startJail() kills the supervisor thread").
      await eventually(
        () => readFileSync(`/proc/${jail.initPid}/task/${jail.initPid}/children`, 'utf8').trim() !== '',
        5000,
        'the jailed command',
      );
      const exit = await jail.stop();
      expect(exit).toMatchObject({ reason: 'stopped' });
    };
    await one(); // warm: the launcher's workers and the supervisor thread are up from here on
    await settled(); // and no refill worker is still starting (its thread's fds would come later)
    const before = processState();
    const t0 = Date.now();
    for (let i = 0; i < n; i++) await one();
    const ms = Date.now() - t0;
    await settled();
    // Exited pool workers close their fds a moment after the jail's exit.
    const after = await eventually(
      () => {
        const s = processState();
        return s.fds <= before.fds && s;
      },
      5000,
      'fds to settle',
    ).catch(() => processState());
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
