/**
 * sysjail --allow-*: each flag changes exactly its own rule. Six background jails run the same probes
 * (SysV shm, a netlink generic socket, a raw socket, the immutable flag, raising a hard rlimit), with no
 * flag and with each flag; the probe results and the supervisor's denial counter (sjls) differ from the
 * flagless jail in that one probe only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { waitUntil } from '../integration/jail-traces.js';
import { runTool, startBackground } from '../integration/run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('flags');
});
afterAll(() => fx?.cleanup());

type Probe = 'ipc' | 'domain' | 'raw' | 'chflags' | 'rlimit';

/** What the probes give without any flag (root in the jail, default policy). */
const FLAGLESS: Record<Probe, string> = {
  ipc: 'ENOSYS', // SysV IPC is off
  domain: 'EPROTONOSUPPORT', // netlink protocols other than route
  raw: 'EPERM', // raw sockets
  chflags: 'EPERM', // FS_IOC_SETFLAGS
  rlimit: 'EPERM', // the supervisor refuses to raise a hard limit
};

interface ProbeRun {
  readonly results: Record<string, string>;
  readonly denied: number;
  readonly byCall: Record<string, { denied: number; emulated: number }>;
  /** sjls -v */
  readonly verbose: string;
}

/** Starts a background jail with `flags`, waits for its probes and the counters written after them. */
async function probe(name: string, flags: string[]): Promise<ProbeRun> {
  const out = `/tmp/probes-${name}`;
  await startBackground(fx, [
    ...flags,
    '-n',
    name,
    fx.root,
    `${name}.example`,
    '127.0.0.5',
    '/bin/sh',
    '-c',
    `victim probes ${out}.tmp && mv ${out}.tmp ${out}; exec sleep 100`,
  ]);
  try {
    const hostOut = join(fx.root, out);
    await waitUntil(() => existsSync(hostOut), 10_000, `${name}'s probes`);
    const results = Object.fromEntries(
      readFileSync(hostOut, 'utf8')
        .split('\n')
        .filter((l) => l.includes(' '))
        .map((l) => l.split(' ') as [string, string]),
    );
    // The supervisor writes its counters every second.
    await new Promise((r) => setTimeout(r, 1300));
    const status = JSON.parse((await runTool(fx, 'sjls', ['--json', '-j', name])).stdout).jails[0];
    if (name === 'flag-ipc') {
      // The segment lives in the jail's IPC namespace only: the host's table does not list it.
      expect(results.ipc).toBe('ok');
      expect(readFileSync('/proc/sysvipc/shm', 'utf8')).not.toMatch(/^ *85293585 /m);
    }
    const verbose = (await runTool(fx, 'sjls', ['-v', '-j', name])).stdout;
    return { results, denied: status.denied, byCall: status.byCall ?? {}, verbose };
  } finally {
    await runTool(fx, 'jail', ['-r', name]);
  }
}

describe('--allow-* flags', () => {
  let flagless: ProbeRun;
  beforeAll(async () => {
    flagless = await probe('flagless', []);
  });

  it('without a flag every probe is refused, each refusal counted by the supervisor', () => {
    expect(flagless.results).toEqual(FLAGLESS);
    expect(flagless.denied).toBeGreaterThanOrEqual(5);
  });

  it('sjls shows the denials per system call, and they add up to the total', () => {
    const { byCall, denied, verbose } = flagless;
    expect(byCall.socket?.denied).toBeGreaterThanOrEqual(2); // a netlink generic socket, a raw socket
    expect(byCall.ioctl?.denied).toBeGreaterThanOrEqual(1); // FS_IOC_SETFLAGS
    expect(Object.values(byCall).reduce((n, c) => n + c.denied, 0)).toBe(denied);
    expect(verbose).toMatch(/^ {2}socket: +denied [0-9]+, emulated [0-9]+$/m);
    expect(verbose).toMatch(/^ {2}ioctl: +denied [0-9]+, emulated 0$/m);
  });

  const cases: [string, Probe][] = [
    ['--allow-ipc', 'ipc'],
    ['--allow-all-domains', 'domain'],
    ['--allow-raw-sockets', 'raw'], // the flag also keeps CAP_NET_RAW for the jail's root
    ['--allow-chflags', 'chflags'], // and CAP_LINUX_IMMUTABLE
  ];
  for (const [flag, changed] of cases) {
    it(`${flag} allows ${changed} and changes nothing else`, async () => {
      const run = await probe(`flag-${changed}`, [flag]);
      expect(run.results).toEqual({ ...FLAGLESS, [changed]: 'ok' });
      expect(run.denied).toBe(flagless.denied - 1);
    });
  }

  // This host's root lacks CAP_SYS_RESOURCE: the jail does not get it either, setrlimit goes to the kernel
  // unmediated, which refuses the raise itself (EPERM), and the supervisor counts one denial less.
  it('--allow-rlimit lets setrlimit through unmediated and changes nothing else', async () => {
    const run = await probe('flag-rlimit', ['--allow-rlimit']);
    expect(run.results).toEqual(FLAGLESS);
    expect(run.denied).toBe(flagless.denied - 1);
  });
});
