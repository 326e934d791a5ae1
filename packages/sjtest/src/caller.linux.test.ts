/**
 * The caller cases (a jail never sheds its caller's confinement) against the tools of this machine, and
 * against a tool that does shed it: a daemon started before the caller confined itself, which runs the
 * command it is sent (as a daemon-backed jail tool may). Every check must break there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBwrap } from './bwrap-installed.js';
import type { CaseResult } from './case.js';
import { cases } from './cases.js';
import { findPreset } from './preset.js';
import { runCases } from './runner.js';

const callerCases = cases.filter((c) => c.caller);
const byId = (results: readonly CaseResult[]) =>
  Object.fromEntries(
    results.map((r) => [
      r.case.id,
      [r.status, r.outcome.kind === 'value' ? r.outcome.value : r.outcome.kind],
    ]),
  );

/** Each caller case's outcome from the plain caller (the control): the part after "from a plain caller: ". */
const control = (r: CaseResult) => /from a plain caller: (\w+(?:-\w+)?)/.exec(r.outcome.detail)?.[1];

describe('the caller cases', () => {
  it('are kept with no jail and with chroot(8): the command is the caller confined, the control is not', async () => {
    for (const preset of ['none', 'chroot']) {
      const report = await runCases({ adapter: findPreset(preset), cases: callerCases, ip: '127.0.73.3' });
      expect(byId(report.results), preset).toEqual({
        'caller.no-new-privs': ['kept', 'confined'],
        'caller.seccomp': ['kept', 'confined'],
        'caller.landlock': ['kept', 'confined'],
        'caller.bounding-set': ['kept', 'confined'],
      });
      for (const r of report.results) expect(control(r), `${preset} ${r.case.id}`).toBe('unconfined');
      // two runs a case: the plain caller's, then the confined one's
      expect(report.runs.map((r) => r.caller)).toEqual(
        callerCases.flatMap((c) => [
          { confinement: c.caller, confined: false },
          { confinement: c.caller, confined: true },
        ]),
      );
    }
  });

  it('bubblewrap keeps them: it sets no_new_privs itself, and cannot mount in a Landlock domain', async () => {
    ensureBwrap();
    const report = await runCases({ adapter: findPreset('bwrap'), cases: callerCases, ip: '127.0.73.3' });
    expect(byId(report.results)).toEqual({
      'caller.no-new-privs': ['kept', 'confined-anyway'],
      'caller.seccomp': ['kept', 'confined'],
      'caller.landlock': ['kept', 'refused'],
      'caller.bounding-set': ['kept', 'confined'],
    });
    const landlock = report.results.find((r) => r.case.id === 'caller.landlock')!;
    expect(landlock.outcome.detail).toContain('bwrap: ');
    expect(control(landlock)).toBe('unconfined');
  }, 300_000);
});

describe('a tool that hands the command to a daemon started before the caller confined itself', () => {
  let dir: string;
  let daemon: ChildProcess;
  let port = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sjtest-shedding-'));
    // The daemon runs each argv it is sent (one JSON line) and streams its stdout back.
    writeFileSync(
      join(dir, 'daemon.mjs'),
      `import { createServer } from 'node:net';
       import { spawn } from 'node:child_process';
       const server = createServer((c) => {
         let line = '';
         c.on('data', (d) => {
           line += d;
           if (!line.includes('\\n')) return;
           const argv = JSON.parse(line.slice(0, line.indexOf('\\n')));
           const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
           child.stdout.pipe(c);
           child.on('error', () => c.end());
         });
       });
       server.listen(0, '127.0.73.1', () => console.log(server.address().port));`,
    );
    // The tool: sends its argv, prints what comes back.
    writeFileSync(
      join(dir, 'tool.mjs'),
      `import { connect } from 'node:net';
       const c = connect(Number(process.argv[2]), '127.0.73.1', () => c.write(JSON.stringify(process.argv.slice(3)) + '\\n'));
       c.pipe(process.stdout);
       c.on('error', () => process.exit(1));`,
    );
    daemon = spawn(process.execPath, [join(dir, 'daemon.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve, reject) => {
      daemon.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      daemon.once('exit', () => reject(new Error('the daemon ended')));
    });
  });
  afterAll(() => {
    if (daemon?.pid) process.kill(daemon.pid, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('breaks every caller case: the command is the daemon, unconfined', async () => {
    expect(port).toBeGreaterThan(0);
    const report = await runCases({
      adapter: {
        name: 'shedding',
        template: `${process.execPath} ${join(dir, 'tool.mjs')} ${port} {cmd}`,
        rootIsSlash: false,
        description: 'a daemon-backed tool that sheds the caller',
      },
      cases: callerCases,
      ip: '127.0.73.3',
    });
    expect(byId(report.results)).toEqual({
      'caller.no-new-privs': ['broken', 'unconfined'],
      'caller.seccomp': ['broken', 'unconfined'],
      'caller.landlock': ['broken', 'unconfined'],
      'caller.bounding-set': ['broken', 'unconfined'],
    });
    // the confined caller itself ran: only the daemon's command shed it
    for (const r of report.runs.filter((r) => r.caller?.confined))
      expect(r.exitCode, r.caller?.confinement).toBe(0);
  });
});
