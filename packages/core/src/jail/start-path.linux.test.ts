/**
 * The start path (root, Linux): the init is launched from this thread by the native launcher, born in
 * the jail's cgroup (never in ours, never moved), a child of this process whose parent-death signal is
 * SIGKILL, in its own procfs; a start that fails, before or after the launch, leaves no process (no
 * zombie either), cgroup or mount; a process whose only work is its jails lives until they are done.
 */
import { execFileSync } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readProcStat } from '@sysjail/systrace-bindings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import { JailSetupError, PrisonConfigError } from '../errors.js';
import { cgroupsOf, mountsUnder } from '../testing/host-state.js';
import { startJail } from './start-jail.js';
import { START_TRACE_CHANNEL, type StartStage } from './start-trace.js';

let fx: JailFixture;
beforeAll(async () => {
  fx = await makeJailFixture('start');
}, 60_000);
afterAll(() => fx?.cleanup());

/** Processes whose parent is this process, zombies included. */
function childrenOfUs(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    if (readProcStat(Number(name))?.ppid === process.pid) pids.push(Number(name));
  }
  return pids;
}

const status = (pid: number, field: string) =>
  new RegExp(`^${field}:\\s+(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

describe('the start path', () => {
  it('the init is born in the jail cgroup, a child of this process, in its own PID namespace and procfs', async () => {
    const before = childrenOfUs();
    const jail = await startJail({
      prison: fx.prison(),
      command: ['/bin/victim', 'sleep'],
      emulation: fx.emulation,
    });
    try {
      const init = jail.initPid;
      expect(status(init, 'PPid')).toBe(String(process.pid));
      // NSpid: its pid here, then 1 in its own namespace
      expect(status(init, 'NSpid')?.split(/\s+/)).toEqual([String(init), '1']);
      const cgroup = readFileSync(`/proc/${init}/cgroup`, 'utf8').match(/^0::(.*)$/m)?.[1];
      expect(cgroup).toBe(`/sysjail/jail-${process.pid}-${jail.jid}`);
      // the jail's /proc is a procfs of its PID namespace: its init is 1 there, no host process shows
      const jailProc = readdirSync(`/proc/${init}/root/proc`).filter((n) => /^[0-9]+$/.test(n));
      expect(jailProc).toContain('1');
      expect(jailProc).not.toContain(String(process.pid));
      expect(readFileSync(`/proc/${init}/root/proc/1/cmdline`, 'utf8').split('\0')[0]).toBe('sysjail-init');
      // the seccomp filter and no_new_privs were in place before the init's exec
      expect(status(init, 'Seccomp')).toBe('2');
      expect(status(init, 'NoNewPrivs')).toBe('1');
      expect(childrenOfUs().filter((p) => !before.includes(p))).toEqual([init]);
    } finally {
      await jail.stop();
    }
    expect(childrenOfUs().filter((p) => !before.includes(p))).toEqual([]);
  });

  it('a failed setup op refuses the start, naming the mount; no process, zombie, cgroup or mount is left', async () => {
    const before = childrenOfUs();
    const e = await startJail({
      prison: fx.prison({
        mounts: [{ kind: 'bind', source: '/tmp', target: '/no-such-dir/mnt', readonly: true }],
      }),
      command: ['/bin/victim', 'exit', '0'],
      emulation: fx.emulation,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PrisonConfigError);
    expect((e as Error).message).toMatch(/cannot mount at \/no-such-dir\/mnt .*ENOENT/);
    expect(childrenOfUs().filter((p) => !before.includes(p))).toEqual([]);
    expect(cgroupsOf(process.pid)).toEqual([]);
    expect(mountsUnder(fx.root)).toEqual([]);
  });

  it('a start that fails after the launch kills and reaps the init', async () => {
    const before = childrenOfUs();
    const broken = {
      ...fx.emulation,
      name: 'uapi-broken-start',
      handlers: {
        ...fx.emulation.handlers!,
        module: new URL('./no-such-module.mjs', fx.emulation.handlers!.module).href,
      },
    };
    const e = await startJail({
      prison: fx.prison(),
      command: ['/bin/victim', 'exit', '0'],
      emulation: broken,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JailSetupError);
    expect(childrenOfUs().filter((p) => !before.includes(p))).toEqual([]);
    expect(cgroupsOf(process.pid)).toEqual([]);
  });

  it("publishes each stage of a start on the sysjail:start channel, in order, the jail's own start number", async () => {
    const got: StartStage[] = [];
    const onStage = (m: unknown) => got.push(m as StartStage);
    subscribe(START_TRACE_CHANNEL, onStage);
    try {
      const jail = await startJail({
        prison: fx.prison(),
        command: ['/bin/victim', 'exit', '0'],
        emulation: fx.emulation,
      });
      expect((await jail.exited).code).toBe(0);
    } finally {
      unsubscribe(START_TRACE_CHANNEL, onStage);
    }
    // startJail's stages (start-jail.ts), after the filter
    expect(got.map((m) => m.stage)).toEqual([
      'filter',
      'registry',
      'interface aliases',
      'cgroup',
      'address programs',
      'binfmt',
      'stdio',
      'supervisor prepare',
      'launch',
      'limits',
      'cputime watch',
      'terminal',
      'jail object',
      'jexec',
      'registry record',
      'supervisor add',
      'go',
    ]);
    expect(new Set(got.map((m) => m.start)).size).toBe(1);
    for (const m of got) expect(m.ms).toBeGreaterThanOrEqual(0);
    // the launch clones and execs the init: it takes time
    expect(got.find((m) => m.stage === 'launch')?.ms).toBeGreaterThan(0);
  });

  it('a library process that starts jails one after another lives until the last has ended', () => {
    // Nothing but the starts and the jails keeps this process alive: each start must (it waits for the
    // supervisor worker's answers), and so must each running jail.
    const script = join(fx.base, 'sequence.mjs');
    const core = new URL('../../dist/index.js', import.meta.url).href;
    const emulation = pathToFileURL(join(fx.emulationDir, 'emulation.mjs')).href;
    writeFileSync(
      script,
      [
        `const { startJail, defaultPrisonFlags } = await import(${JSON.stringify(core)});`,
        `const { uapi } = await import(${JSON.stringify(emulation)});`,
        `const prison = { path: ${JSON.stringify(fx.root)}, hostname: 'seq.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags };`,
        'for (const code of [3, 4, 5]) {',
        "  const jail = await startJail({ prison, command: ['/bin/victim', 'exit', String(code)], emulation: uapi, supervision: 'worker' });",
        '  console.log((await jail.exited).code);',
        '}',
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim().split('\n')).toEqual(['3', '4', '5']);
  });
});
