/**
 * sjtest's cases (escape attempts and functional checks) against our `jail` command, through its
 * sysjail preset: no promise may be broken and no case may fail to run. Its caller cases (a jail never
 * sheds its caller's confinement) once more in a run directory of their own, without a shared supervisor
 * and with one: there a plain caller's jail is handed to the supervisor, a confined caller's is not.
 */
import { existsSync, readdirSync } from 'node:fs';
import { type CaseResult, cases, findPreset, type RunReport, runCases } from '@sysjail/sjtest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, jailBin, makeJailFixture } from './jail-fixture.js';
import { waitUntil } from './jail-traces.js';
import { startBackground, startJailCommand } from './run-tool.js';

describe('sjtest --preset sysjail', () => {
  it('breaks no promise of the jail', async () => {
    const adapter = findPreset('sysjail', { jailBin: `${process.execPath} ${jailBin}` });
    const report = await runCases({ adapter, cases, timeoutMs: 60_000 });
    const bad = report.results
      .filter((r) => r.status === 'broken' || r.status === 'error')
      .map((r) => `${r.case.id}: ${r.status}`);
    expect(bad).toEqual([]);
    expect(report.results.length).toBe(cases.length);
  }, 600_000);
});

describe("sjtest's caller cases, without and with a shared supervisor", () => {
  let fx: JailFixture;
  beforeAll(() => {
    fx = makeJailFixture('sjtest-caller');
  });
  afterAll(() => fx?.cleanup());

  const callerCases = cases.filter((c) => c.caller);
  /** jail(8) in the fixture's run directory; SYSJAIL_DEBUG makes it say why it keeps a jail itself. */
  const run = () =>
    runCases({
      adapter: findPreset('sysjail', {
        jailBin: `env SYSJAIL_RUN_DIR=${fx.runDir} SYSJAIL_LOG_DIR=${fx.env.SYSJAIL_LOG_DIR} SYSJAIL_DEBUG=1 ${process.execPath} ${jailBin}`,
      }),
      cases: callerCases,
      ip: '127.0.73.4',
      timeoutMs: 60_000,
    });
  const supervisorFiles = () => readdirSync(fx.runDir).filter((f) => /^supervisor-.*\.pid$/.test(f));
  const control = (r: CaseResult) => /from a plain caller: (\w+(?:-\w+)?)/.exec(r.outcome.detail)?.[1];

  /** What every run of them must show: sysjail sets no_new_privs on each jail; in the Landlock domain jail(8) cannot write its registry. */
  function expectKept(report: RunReport) {
    const seen = Object.fromEntries(
      report.results.map((r) => [
        r.case.id,
        [r.status, r.outcome.kind === 'value' ? r.outcome.value : r.outcome.kind, control(r)],
      ]),
    );
    expect(seen).toEqual({
      'caller.no-new-privs': ['kept', 'confined-anyway', 'confined'],
      'caller.seccomp': ['kept', 'confined', 'unconfined'],
      'caller.landlock': ['kept', 'refused', 'unconfined'],
      'caller.bounding-set': ['kept', 'confined', 'unconfined'],
    });
  }

  it('keeps them when jail(8) starts every jail itself', async () => {
    expect(supervisorFiles()).toEqual([]);
    const report = await run();
    expectKept(report);
    // no supervisor: the client says nothing, and the confined callers' jails ran (Landlock's excepted)
    for (const r of report.runs.filter((r) => r.caller?.confinement !== 'landlock' || !r.caller.confined))
      expect([r.caller, r.exitCode, r.stderr]).toEqual([r.caller, 0, '']);
    expect(supervisorFiles()).toEqual([]);
  }, 300_000);

  it("keeps them with a supervisor running: a plain caller's jail is handed to it, a confined caller's never", async () => {
    await startBackground(fx, [fx.root, 'sjc-keeper', '127.0.73.5', '/bin/sleep', '1000']);
    const supervisor = fx.registry().list()[0]?.supervisorPid ?? -1;
    expect(supervisor).toBeGreaterThan(0);
    expect(supervisorFiles()).toHaveLength(1);
    // a plain jail(8) in this run directory is taken by it
    const p = startJailCommand(fx, [fx.root, 'sjc-taken', '127.0.73.6', '/bin/sleep', '100'], {
      stdin: 'ignore',
    });
    const taken = await waitUntil(
      () =>
        fx
          .registry()
          .list()
          .find((r) => r.hostname === 'sjc-taken' && r.initPid),
      10_000,
      'the jail sjc-taken',
    );
    expect(taken.supervisorPid).toBe(supervisor);
    p.child.kill('SIGTERM');
    expect((await p.done).status).toBe(143);

    const report = await run();
    expectKept(report);
    for (const r of report.runs) {
      if (!r.caller?.confined) {
        // handed over: SYSJAIL_DEBUG says nothing when the supervisor takes the jail
        expect([r.caller, r.exitCode, r.stderr]).toEqual([r.caller, 0, '']);
      } else {
        // given back (a confinement the supervisor lacks, or its proof unreadable in the domain)
        expect(r.stderr, r.caller.confinement).toMatch(
          r.caller.confinement === 'landlock'
            ? /^jail: starting the jail here: the supervisor's proof cannot be read\n/
            : /^jail: starting the jail here, not in the supervisor: caller: \w+\n$/,
        );
      }
    }
    expect(existsSync(`/proc/${supervisor}`)).toBe(true);
    expect(
      fx
        .registry()
        .list()
        .map((r) => r.hostname),
    ).toEqual(['sjc-keeper']);
  }, 300_000);
});
