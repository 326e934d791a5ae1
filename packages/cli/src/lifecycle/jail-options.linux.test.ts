/**
 * sysjail's options on real jails: several addresses (-4 a -4 b), unique names (-n), unknown jails for
 * -r and jls -j, bad address lists, and -u user. Every refusal is one line on stderr and exit status 2,
 * with nothing started.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageText } from '../config/usage.js';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { snapshotJail, waitGone, waitUntil } from '../integration/jail-traces.js';
import { runTool, startBackground } from '../integration/run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('opts');
});
afterAll(() => fx?.cleanup());

/** The lines the jailed shell prints, one per victim call. */
async function inJail(options: string[], address: string, script: string): Promise<string[]> {
  const r = await runTool(fx, 'sysjail', [
    ...options,
    fx.root,
    'opts.example',
    address,
    '/bin/sh',
    '-c',
    script,
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('several addresses', () => {
  it('-4 b with the operand a: binding to either works, to others not; INADDR_ANY and 127.0.0.1 pick the first', async () => {
    const lines = await inJail(
      ['-4', '127.0.0.7'],
      '127.0.0.6',
      'for a in 127.0.0.6 127.0.0.7 127.0.0.5 127.0.0.2; do victim bind $a; done; victim anyaddr; victim bind 127.0.0.1',
    );
    // As FreeBSD's prison_local_ip4: the loopback address stands for the jail's first address.
    expect(lines).toEqual([
      'ok 127.0.0.6',
      'ok 127.0.0.7',
      'EADDRNOTAVAIL',
      'EADDRNOTAVAIL',
      '127.0.0.6',
      'ok 127.0.0.6',
    ]);
  });

  it('-4 a -4 b with the operand c: the operand comes first, then the -4s in order', async () => {
    const lines = await inJail(
      ['-4', '127.0.0.6', '-4', '127.0.0.7'],
      '127.0.0.8',
      'for a in 127.0.0.8 127.0.0.6 127.0.0.7 127.0.0.9; do victim bind $a; done; victim anyaddr',
    );
    expect(lines).toEqual(['ok 127.0.0.8', 'ok 127.0.0.6', 'ok 127.0.0.7', 'EADDRNOTAVAIL', '127.0.0.8']);
  });

  it('jls shows every address of a jail, first one first', async () => {
    const jid = await startBackground(fx, [
      '-4',
      '127.0.0.6',
      '-4',
      '127.0.0.7',
      fx.root,
      'multi',
      '127.0.0.8',
      '/bin/sleep',
      '100',
    ]);
    try {
      expect((await runTool(fx, 'jls', ['-j', String(jid), 'ip4.addr'])).stdout).toBe(
        '127.0.0.8,127.0.0.6,127.0.0.7\n',
      );
      expect((await runTool(fx, 'jls', ['-j', String(jid)])).stdout.split('\n')[1]).toMatch(
        new RegExp(`^ +${jid}  127\\.0\\.0\\.8 +multi `),
      );
    } finally {
      await runTool(fx, 'jail', ['-r', String(jid)]);
    }
  });
});

describe('names', () => {
  it('a second jail with a live jail’s name: one error line, exit 1, nothing started', async () => {
    const jid = await startBackground(fx, ['-n', 'same', fx.root, 'one', '127.0.0.5', '/bin/sleep', '100']);
    try {
      const expected = {
        status: 1,
        signal: null,
        timedOut: false,
        stdout: '',
        stderr: `sysjail: jail name "same" is in use by jail ${jid}\n`,
      };
      expect(
        await runTool(fx, 'sysjail', ['-b', '-n', 'same', fx.root, 'two', '127.0.0.5', '/bin/sleep', '100']),
      ).toEqual(expected);
      expect(await runTool(fx, 'sysjail', ['-n', 'same', fx.root, 'two', '127.0.0.5', '/bin/true'])).toEqual(
        expected,
      );
      expect(
        fx
          .registry()
          .list()
          .map((r) => r.jid),
      ).toEqual([jid]);
    } finally {
      await runTool(fx, 'jail', ['-r', String(jid)]);
    }
    // Free again once that jail is gone.
    const again = await startBackground(fx, ['-n', 'same', fx.root, 'two', '127.0.0.5', '/bin/sleep', '100']);
    expect(await runTool(fx, 'sysjail', ['-r', 'same'])).toMatchObject({ status: 0, stderr: '' });
    expect(fx.registry().find(again)).toBeUndefined();
  });
});

describe('unknown jails and bad addresses', () => {
  it('-r and jls -j of an unknown JID or name: one line, exit 1', async () => {
    const cases: [string, string[], string][] = [
      ['jail', ['-r', '987654'], 'jail: jail 987654 not found\n'],
      ['sysjail', ['-r', 'nosuch'], 'sysjail: jail "nosuch" not found\n'],
      ['jls', ['-j', '987654'], 'jls: jail 987654 not found\n'],
      ['jls', ['-j', 'nosuch'], 'jls: jail "nosuch" not found\n'],
      ['sjls', ['-j', '987654'], 'sjls: jail 987654 not found\n'],
    ];
    for (const [tool, args, stderr] of cases)
      expect(await runTool(fx, tool, args), `${tool} ${args.join(' ')}`).toEqual({
        status: 1,
        signal: null,
        timedOut: false,
        stdout: '',
        stderr,
      });
  });

  it('a bad address list: one line and the synopsis, exit 2, nothing started or registered', async () => {
    const cases: [string[], string][] = [
      [[fx.root, 'h', '127.0.0.5,bogus'], 'sysjail: invalid IP address: bogus\n'],
      [[fx.root, 'h', '127.0.0.5,,127.0.0.6'], 'sysjail: invalid IP address: \n'],
      [[fx.root, 'h', ''], 'sysjail: invalid IP address: \n'],
      [['-4', '::1', fx.root, 'h', '127.0.0.5'], 'sysjail: invalid IP address: ::1\n'],
      [['-6', '127.0.0.6', fx.root, 'h', '127.0.0.5'], 'sysjail: invalid IP address: 127.0.0.6\n'],
      [['-4', '127.0.0.256', fx.root, 'h', '127.0.0.5'], 'sysjail: invalid IP address: 127.0.0.256\n'],
      ...(
        [
          [[fx.root, 'h', '127.0.0.5,127.0.0.1'], "127.0.0.1 is the host's own loopback address"],
          [['-6', '::1', fx.root, 'h', '127.0.0.5'], "::1 is the host's own loopback address"],
          [['-4', '127.0.0.0', fx.root, 'h', '127.0.0.5'], '127.0.0.0 is the network address of 127.0.0.0/8'],
          [[fx.root, 'h', '127.255.255.255'], '127.255.255.255 is the broadcast address of 127.0.0.0/8'],
        ] as [string[], string][]
      ).map(([args, what]): [string[], string] => [
        args,
        `sysjail: address ${what}: a jail on it would reach the host's services there (use another address, ` +
          "or --allow-host-loopback if the host's loopback is meant)\n",
      ]),
    ];
    for (const [args, stderr] of cases) {
      for (const bg of [[], ['-b']]) {
        const r = await runTool(fx, 'sysjail', [...bg, ...args, '/bin/sleep', '100']);
        expect(r, args.join(' ')).toEqual({
          status: 2,
          signal: null,
          timedOut: false,
          stdout: '',
          stderr: stderr + usageText('sysjail'),
        });
      }
    }
    expect(fx.registry().list()).toEqual([]);
  });
});

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

describe('-U user (the jail’s passwd)', () => {
  it('runs the command as that user of the jail', async () => {
    expect(await inJail(['-U', 'nobody'], '127.0.0.5', 'victim id')).toEqual(['65534 65534 65534 65534']);
    expect(await inJail([], '127.0.0.5', 'victim id')).toEqual(['0 0 0 0']);
  });

  it('in a background jail too: the host sees the command run as uid 65534, the init as root', async () => {
    const jid = await startBackground(fx, [
      '-U',
      'nobody',
      fx.root,
      'user',
      '127.0.0.5',
      '/bin/sleep',
      '100',
    ]);
    const s = await waitUntil(
      () => {
        const snap = snapshotJail(fx.registry(), jid);
        // Init's child exists before it drops to the user and execs: wait for the sleep itself.
        const execed = snap.processes.some((p) => p.pid !== snap.record.initPid && commOf(p.pid) === 'sleep');
        return snap.processes.length === 2 && execed && snap;
      },
      5000,
      'the jailed sleep',
    );
    const uidOf = (pid: number) =>
      /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].split(/\s+/);
    const command = s.processes.find((p) => p.pid !== s.record.initPid);
    expect(uidOf(command?.pid ?? 0)).toEqual(['65534', '65534', '65534', '65534']);
    expect(uidOf(s.record.initPid ?? 0)?.[0]).toBe('0');
    expect(await runTool(fx, 'jail', ['-r', String(jid)])).toMatchObject({ status: 0 });
    expect(await waitGone(s)).toEqual([]);
  });

  it('an unknown user: one line, exit 1', async () => {
    expect(
      await runTool(fx, 'sysjail', ['-U', 'nosuchuser', fx.root, 'h', '127.0.0.5', '/bin/true']),
    ).toEqual({
      status: 1,
      signal: null,
      timedOut: false,
      stdout: '',
      stderr: 'sysjail: unknown user in the jail: nosuchuser\n',
    });
  });
});
