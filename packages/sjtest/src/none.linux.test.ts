import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cases } from './cases.js';
import { findPreset } from './preset.js';
import { formatJson } from './report-json.js';
import { formatTap } from './report-tap.js';
import type { RunReport } from './runner.js';
import { runCases } from './runner.js';
import { exitStatus, summarize } from './summary.js';

const status = (r: RunReport, id: string) => r.results.find((x) => x.case.id === id)?.status;

describe('preset none (no jail at all)', () => {
  it('shows most promises broken, functional checks passing, the host untouched', async () => {
    const before = hostname();
    const report = await runCases({ adapter: findPreset('none'), cases, timeoutMs: 120_000 });
    expect(hostname()).toBe(before);
    expect(report.results).toHaveLength(cases.length);
    const s = summarize(report.results);
    expect(s.error).toBe(0);
    expect(s.broken).toBeGreaterThan(cases.length / 2);
    for (const r of report.results.filter((r) => r.case.functional)) expect(r.status, r.case.id).toBe('kept');
    for (const id of [
      'fs.root',
      'fs.dotdot',
      'fs.inherited-fd',
      'proc.kill',
      'i386.proc.kill',
      'host.uname',
      'net.bind-other',
      'i386.socketcall.bind-other',
      'net.race-bind',
      'ipc.shmget',
      'i386.ipc-multiplexer.shmget',
      'sys.mount',
      'reboot.reach',
      'caps.effective',
      'int80.socket',
      'sh.proc-pid',
      'sh.proc-sys',
      'net.udp-pktinfo',
      'net.unix-abstract',
      'i386.net.unix-abstract-dgram',
      'net.loopback-service-tcp',
      'net.loopback-service-udp',
    ])
      expect(status(report, id), id).toBe('broken');
    // never rebooted: the victim proved it shares the runner's PID namespace and did not call reboot
    expect(status(report, 'reboot.shutdown')).toBe('inconclusive');
    // nor is the host's PID 1 probed
    expect(status(report, 'proc.init-ptrace')).toBe('inconclusive');
    expect(exitStatus(report.results)).toBe(1);
    const tap = formatTap(report);
    expect(tap).toMatch(/^TAP version 13\n1\.\.\d+\n/);
    expect(tap).toContain('not ok');
    const json = JSON.parse(formatJson(report));
    expect(json.summary.broken).toBe(s.broken);
  });
});
