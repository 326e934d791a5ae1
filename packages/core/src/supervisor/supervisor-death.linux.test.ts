/**
 * SIGKILL of the process whose supervisor thread serves a jail ends every jailed process within a
 * second, and a mediated call never completes unmediated afterwards: the jail's mkdir calls go to the
 * uapi emulation's handler, which answers 0 and makes nothing, so the directory exists only if a call
 * got past a dead supervisor. The process is examples/template-emulation.mjs starting a jail with the
 * uapi emulation package (test-fixtures), its jail supervised by a worker thread and (SYSJAIL_SUPERVISION)
 * in its main thread's event loop. The jails' cgroups, which the killed processes could not remove, go
 * at the next engine's start, as does the warm cgroup the worker-supervised one kept.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import { warmCgroupName } from '../net/warm-cgroup.js';
import { alive, CGROUP_PARENT, cgroupProcs, cgroupsOf, eventually } from '../testing/host-state.js';
import { prewarmWorker } from '../testing/prewarm-worker.js';

const example = fileURLToPath(new URL('../../examples/template-emulation.mjs', import.meta.url));

let fx: JailFixture;
/** The processes killed here: what they leave is removed by the next engine's start. */
const killed: number[] = [];
beforeAll(async () => {
  fx = await makeJailFixture('death');
}, 60_000);
afterAll(() => {
  // Whatever a failed run leaves.
  for (const name of [...killed.flatMap(cgroupsOf), ...killed.map(warmCgroupName)]) {
    try {
      rmdirSync(join(CGROUP_PARENT, name));
    } catch {}
  }
  fx?.cleanup();
});

/** The names (comm) of a process's threads: a supervisor worker is `sysjail-serve1`. */
function threadNames(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return [readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()];
    } catch {
      return []; // the thread ended
    }
  });
}

describe.each(['worker', 'thread'])(
  'killing the supervisor’s process with SIGKILL (supervision %s)',
  (mode) => {
    it('ends every jailed process within a second; no mediated call completes unmediated', async () => {
      const child = spawn(
        process.execPath,
        [example, fx.emulationDir, fx.root, '/bin/victim', 'mediated-loop', '/tmp/raised'],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SYSJAIL_SUPERVISION: mode } },
      );
      const done = new Promise((resolve) => child.on('close', resolve));
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      try {
        expect(await eventually(() => out.includes('looping\n'), 20_000), out).toBe(true);
        expect(out).toMatch(/^emulation uapi: /);
        const [cgroup] = cgroupsOf(child.pid!);
        const procs = cgroupProcs(join(CGROUP_PARENT, cgroup));
        // init, the looping command and its sleeping child
        expect(procs).toHaveLength(3);
        // The supervision asked for: a supervisor worker thread, or none.
        expect(threadNames(child.pid!).filter((n) => n === 'sysjail-serve1')).toHaveLength(
          mode === 'worker' ? 1 : 0,
        );
        process.kill(child.pid!, 'SIGKILL');
        const killedAt = Date.now();
        const gone = await eventually(() => procs.every((p) => !alive(p)), 1000, 5);
        const after = Date.now() - killedAt;
        expect(procs.filter(alive), `still alive after ${after} ms`).toEqual([]);
        expect(gone).toBe(true);
        await done;
        expect(existsSync(join(fx.root, 'tmp', 'raised'))).toBe(false);
      } finally {
        child.kill('SIGKILL');
        await done;
        killed.push(child.pid!);
      }
    });
  },
);

describe('after the supervisor’s process was killed', () => {
  it('the next engine’s start removes the cgroups it left (this process’s first; any process’s does)', () => {
    expect(killed).toHaveLength(2);
    // The worker prewarm, whatever SYSJAIL_SUPERVISION forces on the test run: it removes them at once (a
    // process without supervisor threads removes them after its first start, tested in the cli).
    prewarmWorker();
    expect(killed.flatMap(cgroupsOf)).toEqual([]);
    // and the warm cgroup the worker-supervised one kept (see keepAddressHooksOn)
    expect(killed.map(warmCgroupName).filter((n) => existsSync(join(CGROUP_PARENT, n)))).toEqual([]);
  });
});
