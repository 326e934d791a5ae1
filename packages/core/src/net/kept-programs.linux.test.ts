/**
 * The address programs a process keeps (confineAddresses): the next cgroup of the same addresses gets the
 * very programs, another address set its own, and a set's programs stay attached to its cgroups after
 * the process stops keeping them. The warm cgroup of a prewarmed process (keepAddressHooksOn): empty,
 * with a program of each of the jails' attach types, gone when the process exits, and a killed
 * process's removed by the next prewarm. No jail process holds a kept program's descriptor.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { bpfProgQuery } from '@sysjail/systrace-bindings';
import { afterAll, describe, expect, it } from 'vitest';
import { makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import { startJail } from '../jail/start-jail.js';
import { CGROUP_PARENT, cgroupProcs, cgroupsOf, eventually } from '../testing/host-state.js';
import { prewarmWorker } from '../testing/prewarm-worker.js';
import { addressPrograms, confineAddresses } from './confine-addresses.js';
import { JailCgroup } from './jail-cgroup.js';
import { warmCgroupName } from './warm-cgroup.js';

const PREFIX = `kept-${process.pid}-`;
const made: JailCgroup[] = [];
afterAll(async () => {
  for (const cg of made) await cg.destroy().catch(() => {});
});

function cgroup(name: string): JailCgroup {
  const cg = JailCgroup.create(`${PREFIX}${name}`);
  made.push(cg);
  return cg;
}

/** The program ids attached to a cgroup directory, by attach type. */
function attachedIds(path: string): number[][] {
  const fd = openSync(path, 'r');
  try {
    return addressPrograms({ ipv4: [], ipv6: [] }).map((p) => bpfProgQuery(fd, p.attachType).progIds);
  } finally {
    closeSync(fd);
  }
}

describe('kept address programs', () => {
  it('the same addresses get the very programs again; other addresses their own', () => {
    const a = cgroup('a');
    const b = cgroup('b');
    const c = cgroup('c');
    confineAddresses(a, { ipv4: ['127.0.41.1'], ipv6: [] });
    confineAddresses(b, { ipv4: ['127.0.41.1'], ipv6: [] });
    confineAddresses(c, { ipv4: ['127.0.41.2'], ipv6: [] });
    const [ia, ib, ic] = [a, b, c].map((cg) => attachedIds(cg.path));
    for (const ids of [ia, ib, ic]) for (const one of ids) expect(one).toHaveLength(1);
    expect(ib).toEqual(ia);
    for (let t = 0; t < ia.length; t++) expect(ic[t][0]).not.toBe(ia[t][0]);
  });

  it('a set no longer kept stays attached to its cgroups; the next cgroup of it gets it loaded anew', () => {
    const first = cgroup('first');
    confineAddresses(first, { ipv4: ['127.0.41.10'], ipv6: [] });
    const before = attachedIds(first.path);
    // More address sets than are kept: the first set's programs are let go.
    for (let i = 11; i < 30; i++) confineAddresses(cgroup(`n${i}`), { ipv4: [`127.0.41.${i}`], ipv6: [] });
    expect(attachedIds(first.path)).toEqual(before);
    const again = cgroup('again');
    confineAddresses(again, { ipv4: ['127.0.41.10'], ipv6: [] });
    const ids = attachedIds(again.path);
    for (let t = 0; t < ids.length; t++) expect(ids[t][0]).not.toBe(before[t][0]);
  });
});

/** A node process that prewarms (worker supervision) and says so; it exits on a line on its stdin. */
function prewarmed() {
  const core = new URL('../../dist/index.js', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const c = await import(${JSON.stringify(core)}); c.prewarm({ supervision: 'worker' }); console.log('ready'); process.stdin.once('data', () => process.exit(0));`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, SYSJAIL_SUPERVISION: '' } },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const closed = new Promise((resolve) => child.on('close', resolve));
  return { child, ready: () => eventually(() => out.includes('ready\n'), 20_000), closed };
}

describe('the warm cgroup of a prewarmed process', () => {
  it('holds a program of each attach type and no process; it goes when the process exits', async () => {
    const p = prewarmed();
    try {
      expect(await p.ready()).toBe(true);
      const warm = join(CGROUP_PARENT, warmCgroupName(p.child.pid as number));
      expect(existsSync(warm)).toBe(true);
      for (const ids of attachedIds(warm)) expect(ids).toHaveLength(1);
      expect(readFileSync(join(warm, 'cgroup.procs'), 'utf8')).toBe('');
      p.child.stdin.write('exit\n');
      await p.closed;
      expect(existsSync(warm)).toBe(false);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('a killed process’s warm cgroup is removed by the next prewarm', async () => {
    const p = prewarmed();
    const warm = join(CGROUP_PARENT, warmCgroupName(p.child.pid as number));
    try {
      expect(await p.ready()).toBe(true);
    } finally {
      p.child.kill('SIGKILL');
      await p.closed;
    }
    expect(existsSync(warm)).toBe(true);
    prewarmWorker();
    expect(existsSync(warm)).toBe(false);
  });
});

// Last: a jail's start removes the stale cgroups once per process, which the test above needs to do itself.
describe('a jail of kept addresses', () => {
  it('no process of a jail holds a kept program (this process does)', async () => {
    const bpfPrograms = (pid: number | 'self') =>
      readdirSync(`/proc/${pid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf-prog';
        } catch {
          return false; // closed meanwhile (the listing's own)
        }
      });
    const fx = await makeJailFixture('kept');
    try {
      const prison = fx.prison({ ipv4: ['127.0.41.200'] });
      const first = await startJail({
        prison,
        command: ['/bin/victim', 'exit', '0'],
        emulation: fx.emulation,
      });
      expect(await first.exited).toMatchObject({ code: 0 });
      expect(bpfPrograms('self').length).toBeGreaterThanOrEqual(addressPrograms(prison).length);
      // The next jail of the same addresses gets the kept programs attached.
      const jail = await startJail({ prison, command: ['/bin/victim', 'sleep'], emulation: fx.emulation });
      try {
        const [name] = cgroupsOf(process.pid);
        const procs = () => cgroupProcs(join(CGROUP_PARENT, name));
        expect(await eventually(() => procs().length === 2, 10_000)).toBe(true); // the init and the command
        expect(procs()).toContain(jail.initPid);
        for (const pid of procs()) expect(bpfPrograms(pid)).toEqual([]);
      } finally {
        await jail.stop();
      }
    } finally {
      fx.cleanup();
    }
  });
});
