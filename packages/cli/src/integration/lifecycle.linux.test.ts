/**
 * What jail(8) adds to a jail's life: its exit status is the command's (128 + the signal for a signal), a
 * command the jail lacks is one line and exit 1, and INT, TERM and HUP go to the command, whose status
 * says how it ended; the jail's record is gone after. (What core does on its own, exit statuses, nothing
 * left after a jail, SIGKILL of the supervisor's process, is tested in packages/core.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryEntries, waitForRecord } from './host-state.js';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { runJail, startJailCommand } from './run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('life');
});
afterAll(() => fx?.cleanup());

const jailArgs = (...command: string[]) => [fx.root, 'life.example', '127.0.0.5', ...command];

describe('exit status', () => {
  it('is the command’s exit code', async () => {
    expect(await runJail(fx, jailArgs('/bin/probe64', 'exit', '7'))).toMatchObject({ status: 7, stderr: '' });
    expect(await runJail(fx, jailArgs('/bin/sh', '-c', 'exit 7'))).toMatchObject({ status: 7, stderr: '' });
    expect(await runJail(fx, jailArgs('/bin/true'))).toMatchObject({ status: 0, stderr: '' });
  });

  it('is 128 + the signal when a signal killed the command', async () => {
    expect(await runJail(fx, jailArgs('/bin/probe64', 'selfkill', '15'))).toMatchObject({
      status: 143,
      stderr: '',
    });
    expect(await runJail(fx, jailArgs('/bin/probe32', 'selfkill', '9'))).toMatchObject({
      status: 137,
      stderr: '',
    });
  });

  it('a command that does not exist in the jail: one line, exit 1', async () => {
    const r = await runJail(fx, jailArgs('/bin/no-such-command'));
    expect(r).toMatchObject({
      status: 1,
      stdout: '',
      stderr: 'jail: /bin/no-such-command: not found in the jail\n',
    });
  });
});

describe('signals to jail(8)', () => {
  // INT, TERM and HUP go to the command (through the jail's init): it decides; the status says so.
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const)('%s ends a command that does not handle it: status %i', async (signal, status) => {
    const jail = startJailCommand(fx, jailArgs('/bin/sh', '-c', 'echo up; exec sleep 300'), {
      timeoutMs: 20_000,
    });
    await jail.waitFor(/^up$/);
    await waitForRecord(fx.runDir);
    jail.child.kill(signal);
    expect(await jail.done).toMatchObject({ status, signal: null, timedOut: false });
    expect(registryEntries(fx.runDir)).toEqual([]);
  });

  it('a command that handles SIGTERM keeps running and exits with its own status', async () => {
    const script = 'trap "echo caught; exit 5" TERM; echo up; sleep 300 & wait';
    const jail = startJailCommand(fx, jailArgs('/bin/sh', '-c', script), { timeoutMs: 20_000 });
    await jail.waitFor(/^up$/);
    await waitForRecord(fx.runDir);
    jail.child.kill('SIGTERM');
    expect(await jail.done).toMatchObject({ status: 5, stdout: 'up\ncaught\n', timedOut: false });
  });
});
