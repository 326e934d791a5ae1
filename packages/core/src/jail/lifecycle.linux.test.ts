/**
 * A jail's life through core alone (root, Linux), under the uapi test emulation (test-fixtures): the
 * command's exit status, its registry record while it runs, nothing left once it ends (no process,
 * cgroup, mount, record or jexec socket), and a handler module the supervisor thread cannot use refusing
 * the start with nothing left. The cli's tests check what the cli adds (128 + signal, signals to jail(8)).
 */
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { close, pipe2, write } from '@sysjail/systrace-bindings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import { JailSetupError } from '../errors.js';
import { jexecSocketPath } from '../jexec/socket-path.js';
import { openRegistry } from '../registry/registry.js';
import { alive, cgroupProcs, cgroupsOf, eventually, mountsUnder } from '../testing/host-state.js';
import type { JailOptions } from './jail-options.js';
import { startJail } from './start-jail.js';

let fx: JailFixture;
beforeAll(async () => {
  fx = await makeJailFixture('life');
}, 60_000);
afterAll(() => fx?.cleanup());

const run = async (command: string[], more: Partial<JailOptions> = {}) => {
  const jail = await startJail({ prison: fx.prison(), command, emulation: fx.emulation, ...more });
  return jail.exited;
};

describe('exit status', () => {
  it('is the command’s exit code', async () => {
    expect(await run(['/bin/victim', 'exit', '7'])).toEqual({ code: 7, signal: null, reason: 'exited' });
    expect(await run(['/bin/victim', 'exit', '0'])).toEqual({ code: 0, signal: null, reason: 'exited' });
  });

  it('is the signal’s name when a signal killed the command', async () => {
    expect(await run(['/bin/victim', 'selfkill', '15'])).toEqual({
      code: null,
      signal: 'SIGTERM',
      reason: 'exited',
    });
    expect(await run(['/bin/victim', 'selfkill', '9'])).toEqual({
      code: null,
      signal: 'SIGKILL',
      reason: 'exited',
    });
  });

  it('is 127 for a command the jail does not have (the init’s exec fails with ENOENT)', async () => {
    expect(await run(['/bin/no-such-command'])).toEqual({ code: 127, signal: null, reason: 'exited' });
  });
});

describe('a jail in a registry', () => {
  it('is recorded while it runs and leaves nothing when its command ends', async () => {
    const registry = openRegistry(join(fx.base, 'jails'));
    const [stdinRead, stdinWrite] = pipe2();
    const outPath = join(fx.base, 'family.out');
    const out = openSync(outPath, 'w');
    try {
      const jail = await startJail({
        prison: fx.prison(),
        command: ['/bin/victim', 'family'],
        emulation: fx.emulation,
        registry,
        countersPath: (jid) => join(fx.base, 'counters', `${jid}.json`),
        stdio: [stdinRead, out, 2],
      });
      // named from the start (the caller writes the file; it updates no record)
      expect(registry.find(jail.jid)?.countersPath).toBe(join(fx.base, 'counters', `${jail.jid}.json`));
      expect(await eventually(() => readFileSync(outPath, 'utf8') === 'up\n', 10_000)).toBe(true);
      const [record] = registry.list();
      expect(record).toMatchObject({
        jid: jail.jid,
        path: fx.root,
        hostname: 'life.example',
        emulation: 'uapi',
        supervisorPid: process.pid,
        initPid: jail.initPid,
        command: ['/bin/victim', 'family'],
      });
      expect(registry.list()).toHaveLength(1);
      const cgroup = record.cgroupPath!;
      expect(cgroupsOf(process.pid)).toEqual([`jail-${process.pid}-${jail.jid}`]);
      // init, the command and its child
      const procs = cgroupProcs(cgroup);
      expect(procs).toHaveLength(3);
      expect(procs).toContain(jail.initPid);
      expect(existsSync(jexecSocketPath(registry.dir, jail.jid))).toBe(true);
      // The jail's mounts live in its own mount namespace: the host never sees them.
      expect(mountsUnder(fx.root)).toEqual([]);

      write(stdinWrite, Buffer.from('\n'));
      expect(await jail.exited).toEqual({ code: 0, signal: null, reason: 'exited' });
      // the child too: the jail ends with its init
      expect(procs.filter(alive)).toEqual([]);
      expect(existsSync(cgroup)).toBe(false);
      expect(cgroupsOf(process.pid)).toEqual([]);
      expect(mountsUnder(fx.root)).toEqual([]);
      expect(registry.list()).toEqual([]);
      expect(existsSync(jexecSocketPath(registry.dir, jail.jid))).toBe(false);
    } finally {
      close(stdinRead);
      close(stdinWrite);
      closeSync(out);
    }
  });
});

describe('the emulation’s handler module', () => {
  it('serves the jail’s notified calls: mkdir answered by the handler, nothing made', async () => {
    const jail = await startJail({
      prison: fx.prison(),
      command: ['/bin/victim', 'mediated-loop', '/tmp/made'],
      emulation: fx.emulation,
    });
    expect(await eventually(() => jail.counters().emulated >= 3, 10_000)).toBe(true);
    expect(await jail.stop()).toMatchObject({ reason: 'stopped' });
    expect(existsSync(join(fx.root, 'tmp', 'made'))).toBe(false);
  });

  it('a module that cannot be loaded refuses the start; nothing is left', async () => {
    const handlers = fx.emulation.handlers!;
    const broken = {
      ...fx.emulation,
      name: 'uapi-broken-module',
      handlers: { ...handlers, module: new URL('./no-such-handlers.mjs', handlers.module).href },
    };
    // The supervisor learns it cannot load the module while the init is launched: the command never runs.
    const outPath = join(fx.root, 'tmp', 'broken-module.out');
    const out = openSync(outPath, 'w');
    try {
      const e = await run(['/bin/victim', 'family'], { emulation: broken, stdio: [0, out, 2] }).catch(
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(JailSetupError);
      expect((e as Error).message).toMatch(/no-such-handlers/);
    } finally {
      closeSync(out);
    }
    expect(readFileSync(outPath, 'utf8')).toBe('');
    expect(cgroupsOf(process.pid)).toEqual([]);
  });

  it('a module without a handler the emulation names refuses the start; the next jail is served', async () => {
    const missing = {
      ...fx.emulation,
      name: 'uapi-missing-handler',
      handlers: { ...fx.emulation.handlers!, names: ['answerOnly', 'chroot'] },
    };
    const e = await run(['/bin/victim', 'exit', '0'], { emulation: missing }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JailSetupError);
    expect((e as Error).message).toContain('has no handler chroot');
    expect(cgroupsOf(process.pid)).toEqual([]);
    expect(await run(['/bin/victim', 'exit', '3'])).toMatchObject({ code: 3 });
  });
});
