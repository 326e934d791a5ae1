import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBwrap } from './bwrap-installed.js';
import { cases } from './cases.js';
import { findPreset } from './preset.js';
import { runCases } from './runner.js';

beforeAll(() => {
  ensureBwrap();
}, 300_000);

describe('preset bwrap (as root, no user namespace)', () => {
  it('hides processes and the hostname, keeps root capabilities and the whole network', async () => {
    const report = await runCases({ adapter: findPreset('bwrap'), cases, timeoutMs: 120_000 });
    const status = (id: string) => report.results.find((x) => x.case.id === id)?.status;
    for (const id of [
      'fs.root',
      'fs.dotdot',
      'fs.chroot-escape',
      'proc.kill',
      'i386.proc.ptrace',
      'proc.pidfd-open',
      'host.uname',
      'host.sethostname',
      'sh.hostname',
      'sh.proc-pid',
      'reboot.reach',
      // run from a confined caller, the command is as confined (Landlock: bwrap cannot mount, refuses)
      'caller.no-new-privs',
      'caller.seccomp',
      'caller.landlock',
      'caller.bounding-set',
    ])
      expect(status(id), id).toBe('kept');
    // bubblewrap keeps the caller's fds, the caps of root, and has no address confinement
    for (const id of [
      'fs.inherited-fd',
      'fs.open-by-handle',
      'caps.effective',
      'net.bind-other',
      'net.af-packet',
      'sys.mount',
      'i386.socketcall.af-packet',
    ])
      expect(status(id), id).toBe('broken');
    // reboot(2) in bwrap's PID namespace ends that namespace only
    expect(status('reboot.shutdown')).toBe('kept');
    for (const r of report.results.filter((r) => r.case.functional)) expect(r.status, r.case.id).toBe('kept');
  });

  it('bwrap-strict (user namespace, --cap-drop ALL) closes the capability-gated calls', async () => {
    const report = await runCases({ adapter: findPreset('bwrap-strict'), cases, timeoutMs: 120_000 });
    const status = (id: string) => report.results.find((x) => x.case.id === id)?.status;
    for (const id of ['caps.effective', 'sys.mount', 'fs.open-by-handle', 'net.raw-inet', 'sys.settimeofday'])
      expect(status(id), id).toBe('kept');
    // TIOCSTI on its own pty is not a capability matter: only a filter on the ioctl closes it
    for (const id of ['net.bind-other', 'ipc.shmget', 'fs.inherited-fd', 'tty.tiocsti'])
      expect(status(id), id).toBe('broken');
    for (const r of report.results.filter((r) => r.case.functional)) expect(r.status, r.case.id).toBe('kept');
  });
});
