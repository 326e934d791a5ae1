/**
 * PID isolation: from inside, a host process (a sleep this test starts) cannot be seen, signalled,
 * ptraced, read or pidfd_open'ed; from the host, the jail's processes are visible and can be signalled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cgroupProcs, eventually, waitForRecord } from './host-state.js';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { parseProbe, pick } from './probe-output.js';
import { runJail, startJailCommand } from './run-tool.js';

let fx: JailFixture;
let sleeper: ChildProcess;
beforeAll(() => {
  fx = makeJailFixture('proc');
  sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
});
afterAll(() => {
  if (sleeper.pid !== undefined && sleeper.exitCode === null) process.kill(sleeper.pid, 'SIGKILL');
  fx?.cleanup();
});

describe('from inside the jail, a host process', () => {
  it.each(['probe64', 'probe32'])('cannot be seen, signalled, traced, read or opened (%s)', async (probe) => {
    const pid = sleeper.pid!;
    const r = await runJail(fx, [fx.root, 'proc.example', '127.0.0.5', `/bin/${probe}`, 'proc', String(pid)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const names = [
      'proc-entry',
      'kill-0',
      'kill-TERM',
      'ptrace-attach',
      'ptrace-seize',
      'process_vm_readv',
      'pidfd_open',
      'getpgid',
      'sched_getaffinity',
    ];
    expect(pick(parseProbe(r.stdout), names)).toEqual({
      'proc-entry': 'ENOENT',
      'kill-0': 'ESRCH',
      'kill-TERM': 'ESRCH',
      'ptrace-attach': 'ESRCH',
      'ptrace-seize': 'ESRCH',
      process_vm_readv: 'ESRCH',
      pidfd_open: 'ESRCH',
      getpgid: 'ESRCH',
      sched_getaffinity: 'ESRCH',
    });
    expect(alive(pid)).toBe(true);
  });
});

describe('from the host, the jail’s processes', () => {
  it('are visible and can be killed by their host pid', async () => {
    const jail = startJailCommand(fx, [fx.root, 'proc.example', '127.0.0.5', '/bin/sleep', '300'], {
      timeoutMs: 20_000,
    });
    const record = await waitForRecord(fx.runDir);
    let sleepPid: number | undefined;
    // The init's child shows the init's command line until its execve: wait for the sleep itself.
    const cmdline = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    };
    await eventually(() => {
      sleepPid = cgroupProcs(record.cgroupPath!).find(
        (p) => p !== record.initPid && cmdline(p).startsWith('/bin/sleep'),
      );
      return sleepPid !== undefined;
    }, 5000);
    expect(sleepPid).toBeDefined();
    expect(readFileSync(`/proc/${record.initPid}/cmdline`, 'utf8').split('\0')[0]).toBe('sysjail-init');
    expect(readFileSync(`/proc/${sleepPid}/cmdline`, 'utf8').split('\0')).toEqual(['/bin/sleep', '300', '']);
    process.kill(sleepPid!, 'SIGKILL');
    const r = await jail.done;
    expect(r).toMatchObject({ status: 137, timedOut: false });
    expect(alive(record.initPid!)).toBe(false);
  });
});
