/**
 * Many jails: 50 background jails side by side (the cli, each running a small loop), all listed, all
 * served by one shared supervisor, all stopped cleanly. (Jails started and stopped in sequence through
 * the library are core's test: packages/core/src/jail/jails-in-sequence.linux.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { type JailSnapshot, snapshotJail, waitGone } from '../integration/jail-traces.js';
import { runTool, startBackground } from '../integration/run-tool.js';

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
