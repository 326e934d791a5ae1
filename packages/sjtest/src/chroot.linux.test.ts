import { describe, expect, it } from 'vitest';
import { cases } from './cases.js';
import { findPreset } from './preset.js';
import { runCases } from './runner.js';

describe('preset chroot', () => {
  it('keeps .. and symlinks in, and nothing else: chroot-in-chroot, processes, network are open', async () => {
    const report = await runCases({ adapter: findPreset('chroot'), cases, timeoutMs: 120_000 });
    const status = (id: string) => report.results.find((x) => x.case.id === id)?.status;
    for (const id of [
      'fs.root',
      'fs.dotdot',
      'fs.symlink-absolute',
      'fs.symlink-relative',
      'sh.outside-marker',
    ])
      expect(status(id), id).toBe('kept');
    for (const id of [
      'fs.chroot-escape',
      'i386.fs.chroot-escape',
      'fs.inherited-fd',
      'stdio.directory',
      'stdio.socket',
      'stdio.terminal',
      'fs.open-by-handle',
      'proc.kill',
      'proc.ptrace',
      'host.uname',
      'net.bind-any',
      'ipc.shmget',
      'sys.mount',
      'caps.bounding',
    ])
      expect(status(id), id).toBe('broken');
    // without a proc mount the victim cannot prove a PID namespace of its own: reboot is not called
    expect(status('reboot.shutdown')).toBe('inconclusive');
    for (const r of report.results.filter((r) => r.case.functional)) expect(r.status, r.case.id).toBe('kept');
  });
});
