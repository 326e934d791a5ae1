/**
 * Threaded races against the checks: a second thread flips the argument in user memory while the first
 * makes the call, thousands of times. (a) bind: the sockaddr flips between the jail IP and another
 * address; (b) i386 socketcall(SYS_SOCKET): the family in the args array flips between AF_INET and
 * AF_PACKET; (d) connect: the address flips between the jail IP and 127.0.0.1, with a decoy server on
 * 127.0.0.1. The setrlimit race (c) is in rlimit.linux.test.ts, where the audit records are at hand.
 * Each race runs with the jail served in the jail command's own thread and from a supervisor worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpWitness } from './host-servers.js';
import { type JailFixture, makeJailFixture, SUPERVISION_MODES, supervisedBy } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';
import { runJail } from './run-tool.js';

const JAIL_IP = '127.0.0.22';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('race');
});
afterAll(() => fx?.cleanup());

const num = (out: Map<string, string>, name: string) => Number(out.get(name));

describe.each(SUPERVISION_MODES)('races on user memory (supervision %s)', (mode) => {
  it.each(['probe64', 'probe32'])(
    '(a) bind flip: no socket is ever bound to 127.0.0.9 or 0.0.0.0 (%s)',
    async (probe) => {
      const n = 25_000;
      const r = await runJail(
        supervisedBy(fx, mode),
        [fx.root, 'race.example', JAIL_IP, `/bin/${probe}`, 'race-bind', JAIL_IP, '127.0.0.9', String(n)],
        {
          timeoutMs: 60_000,
        },
      );
      expect(r).toMatchObject({ status: 0, stderr: '' });
      const out = parseProbe(r.stdout);
      expect(num(out, 'binds')).toBe(n);
      expect(num(out, 'bound-other')).toBe(0);
      expect(num(out, 'bound-any')).toBe(0);
      expect(num(out, 'bound-elsewhere')).toBe(0);
      // Both values were seen: some binds succeeded on the jail IP, some were refused.
      expect(num(out, 'bound-jail')).toBeGreaterThan(0);
      expect(num(out, 'failed')).toBeGreaterThan(0);
    },
    90_000,
  );

  it('(b) i386 socketcall family flip: no AF_PACKET socket is ever created', async () => {
    const n = 5000;
    const r = await runJail(
      supervisedBy(fx, mode),
      [fx.root, 'race.example', JAIL_IP, '/bin/probe32', 'race-socketcall', String(n)],
      {
        timeoutMs: 90_000,
      },
    );
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const out = parseProbe(r.stdout);
    expect(num(out, 'calls')).toBe(n);
    expect(num(out, 'created-packet')).toBe(0);
    expect(num(out, 'created-other')).toBe(0);
    expect(num(out, 'created-inet')).toBeGreaterThan(0);
    expect(num(out, 'failed')).toBeGreaterThan(0);
  }, 120_000);

  it.each(['probe64', 'probe32'])(
    '(d) connect flip: every connection reaches the jail IP, none 127.0.0.1 (%s)',
    async (probe) => {
      const server = await tcpWitness(JAIL_IP);
      const decoy = await tcpWitness('127.0.0.1', server.port).catch(() => undefined);
      try {
        const n = 2000;
        const r = await runJail(
          supervisedBy(fx, mode),
          [
            fx.root,
            'race.example',
            JAIL_IP,
            `/bin/${probe}`,
            'race-connect',
            JAIL_IP,
            String(server.port),
            String(n),
          ],
          {
            timeoutMs: 60_000,
          },
        );
        expect(r).toMatchObject({ status: 0, stderr: '' });
        const out = parseProbe(r.stdout);
        expect(num(out, 'connects')).toBe(n);
        expect(num(out, 'peer-other')).toBe(0);
        expect(num(out, 'connected')).toBe(n);
        expect(num(out, 'peer-jail')).toBe(n);
        if (decoy) expect(decoy.peers).toEqual([]);
      } finally {
        await server.close();
        await decoy?.close();
      }
    },
    90_000,
  );
});
