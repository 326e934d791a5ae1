/**
 * Hard resource limits: lowering works, raising is EPERM, and it is the jail's policy that decided (root
 * lacks CAP_SYS_RESOURCE on this host, so EPERM alone proves nothing): the supervisor's audit records and
 * counters show the denials. Run with core's startJail directly to see jail.audit. Includes the race (c):
 * the rlimit struct flips between a lowering and a raising value while setrlimit runs. Each runs with the
 * jail supervised in this thread and from a supervisor worker thread.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPrisonFlags, type Jail, type SupervisionMode, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture, SUPERVISION_MODES } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('rlimit');
});
afterAll(() => fx?.cleanup());

let runs = 0;
async function runProbe(
  command: string[],
  supervision: SupervisionMode,
): Promise<{ jail: Jail; out: Map<string, string>; code: number | null }> {
  const outPath = join(fx.base, `out-${++runs}`);
  const stdin = openSync('/dev/null', 'r');
  const stdout = openSync(outPath, 'w');
  try {
    const jail = await startJail({
      prison: {
        path: fx.root,
        hostname: 'rlimit.example',
        ipv4: ['127.0.0.5'],
        ipv6: [],
        flags: defaultPrisonFlags,
      },
      command,
      emulation: linux,
      stdio: [stdin, stdout, 2],
      supervision,
    });
    const exit = await jail.exited;
    return { jail, out: parseProbe(readFileSync(outPath, 'utf8')), code: exit.code };
  } finally {
    closeSync(stdin);
    closeSync(stdout);
  }
}

const isLimitCall = (s: string) => s === 'setrlimit' || s === 'prlimit64';

describe.each(
  SUPERVISION_MODES.flatMap((mode) => [
    ['probe64', mode],
    ['probe32', mode],
  ]),
)('resource limits (%s, supervision %s)', (probe, mode) => {
  it('lowering works, raising a hard limit is EPERM, decided by the jail’s supervisor', async () => {
    const { jail, out, code } = await runProbe([`/bin/${probe}`, 'rlimit'], mode);
    expect(code).toBe(0);
    expect(out.get('lower')).toBe('ok');
    expect(out.get('raise')).toBe('EPERM');
    expect(out.get('raise-prlimit64')).toBe('EPERM');
    expect(out.get('lower-soft')).toBe('ok');
    expect(out.get('raise-soft-to-hard')).toBe('ok');
    const [, startHard] = out.get('nofile-start')!.split(' ').map(Number);
    const [, endHard] = out.get('nofile-end')!.split(' ').map(Number);
    expect(endHard).toBeLessThan(startHard!);
    const denials = jail.audit.filter((r) => isLimitCall(r.syscall) && r.action === 'denied');
    expect(denials.length).toBeGreaterThanOrEqual(2);
    expect(denials[0]).toMatchObject({
      jid: jail.jid,
      errno: 'EPERM',
      arch: probe === 'probe32' ? 'i386' : 'x86_64',
    });
    expect(jail.counters().denied).toBeGreaterThanOrEqual(2);
  });
});

describe.each(SUPERVISION_MODES)(
  'race (c): the rlimit struct flips while setrlimit runs (supervision %s)',
  (mode) => {
    it.each(['probe64', 'probe32'])(
      'the hard limit never goes up (%s)',
      async (probe) => {
        const n = 5000;
        const { jail, out, code } = await runProbe([`/bin/${probe}`, 'race-rlimit', String(n)], mode);
        expect(code).toBe(0);
        expect(out.get('lower')).toBe('ok');
        expect(Number(out.get('calls'))).toBe(n);
        expect(Number(out.get('went-up'))).toBe(0);
        expect(Number(out.get('hard-end'))).toBeLessThanOrEqual(1024);
        expect(Number(out.get('failed'))).toBeGreaterThan(0);
        // The supervisor decided: each refused raise is one of its denials.
        const denials = jail.audit.filter((r) => isLimitCall(r.syscall) && r.action === 'denied');
        expect(denials.length).toBeGreaterThan(0);
        expect(jail.counters().denied).toBeGreaterThanOrEqual(denials.length);
        expect(jail.counters().notified).toBeGreaterThanOrEqual(n);
      },
      120_000,
    );
  },
);
