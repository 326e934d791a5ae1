import { execFile, execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { type AddressInfo, connect as connectTcp, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bpfProgQuery } from '@sysjail/systrace-bindings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AddressConfinement, confineAddresses } from './confine-addresses.js';
import { JailCgroup } from './jail-cgroup.js';

// The probe (address-probe.c) compiled with gcc, run inside a cgroup.
const run = promisify(execFile);
const source = join(dirname(fileURLToPath(import.meta.url)), 'address-probe.c');

interface Probe {
  readonly path: string;
  remove(): void;
}

function buildProbe(): Probe {
  const dir = mkdtempSync(join(tmpdir(), 'sysjail-net-'));
  const path = join(dir, 'address-probe');
  execFileSync('gcc', ['-O2', '-Wall', '-pthread', '-o', path, source]);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const joinAndExec = (cgroupPath: string) => `echo $$ > '${cgroupPath}/cgroup.procs' && exec "$0" "$@"`;

/** Run the probe inside the cgroup (the shell joins it, then execs the probe); its stdout, trimmed. */
async function probeIn(cgroupPath: string, probe: Probe, ...args: string[]): Promise<string> {
  const { stdout } = await run('sh', ['-c', joinAndExec(cgroupPath), probe.path, ...args], {
    timeout: 30_000,
  });
  return stdout.trim();
}

/** Start the probe inside the cgroup and hand back its stdout lines as they come. */
function startProbeIn(cgroupPath: string, probe: Probe, ...args: string[]) {
  const child = spawn('sh', ['-c', joinAndExec(cgroupPath), probe.path, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    lines,
    exited,
    /** Wait until a line matches. */
    async waitFor(re: RegExp, timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) return hit;
        if (Date.now() > deadline)
          throw new Error(`probe: no line matching ${re} in ${JSON.stringify(lines)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

const PREFIX = `sjnet-${process.pid}-`;
const JAIL = '127.31.0.5';
const JAIL2 = '127.31.0.6';
const OTHER = '127.31.0.9';

let probe: Probe;
let cg: JailCgroup;
let confinement: AddressConfinement;
const cleanups: (() => unknown)[] = [];

function listen(host: string): Promise<{ server: Server; port: number; peers: string[] }> {
  const peers: string[] = [];
  const server = createServer((s) => {
    peers.push(s.remoteAddress ?? '?');
    s.destroy();
  });
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port, peers })),
  );
}

function udpBind(
  type: 'udp4' | 'udp6',
  host: string,
): Promise<{ sock: UdpSocket; port: number; got: string[] }> {
  const got: string[] = [];
  const sock = createSocket(type);
  sock.on('message', (msg, rinfo) => got.push(`${rinfo.address} ${msg.toString()}`));
  return new Promise((resolve) =>
    sock.bind(0, host, () => resolve({ sock, port: sock.address().port, got })),
  );
}

/** 'connected', 'timeout' (SYN dropped) or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise<string>((resolve) => {
    const s = connectTcp({ host, port, timeout: 500 }, () => {
      s.destroy();
      resolve(`${host} connected`);
    });
    s.on('timeout', () => {
      s.destroy();
      resolve(`${host} timeout`);
    });
    s.on('error', (e) => resolve(`${host} ${(e as NodeJS.ErrnoException).code}`));
  });
}

const until = async (f: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

beforeAll(() => {
  JailCgroup.cleanupStale('sjnet-');
  probe = buildProbe();
  cg = JailCgroup.create(`${PREFIX}v4`);
  confinement = confineAddresses(cg, { ipv4: [JAIL, JAIL2], ipv6: ['::1'] });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await cg?.destroy();
  probe?.remove();
});

describe('confineAddresses (real kernel, as root)', () => {
  const p = (...args: string[]) => probeIn(cg.path, probe, ...args);

  it('attaches one program per hook, and none can be overridden below', () => {
    const fd = openSync(cg.path, 'r');
    try {
      for (const t of confinement.attachTypes) {
        const q = bpfProgQuery(fd, t);
        expect(q.progIds).toHaveLength(1);
        expect(q.attachFlags).toBe(0);
      }
    } finally {
      closeSync(fd);
    }
    expect(confinement.attachTypes).toHaveLength(7);
  });

  it('bind: INADDR_ANY and 127.0.0.1 become the primary jail address', async () => {
    expect(await p('bind', '4', 'tcp', '0.0.0.0')).toMatch(/^ok 127\.31\.0\.5 \d+$/);
    expect(await p('bind', '4', 'tcp', '127.0.0.1')).toMatch(/^ok 127\.31\.0\.5 \d+$/);
    expect(await p('bind', '4', 'udp', '0.0.0.0')).toMatch(/^ok 127\.31\.0\.5 \d+$/);
  });

  it('bind: a jail address stays, the second one included; anything else is EADDRNOTAVAIL', async () => {
    expect(await p('bind', '4', 'tcp', JAIL)).toMatch(/^ok 127\.31\.0\.5 \d+$/);
    expect(await p('bind', '4', 'tcp', JAIL2)).toMatch(/^ok 127\.31\.0\.6 \d+$/);
    expect(await p('bind', '4', 'tcp', '127.0.0.9')).toBe('err EADDRNOTAVAIL');
    expect(await p('bind', '4', 'udp', OTHER)).toBe('err EADDRNOTAVAIL');
    // Outside the cgroup the same bind works: the refusal is the program's.
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, OTHER, () => resolve()));
    s.close();
  });

  it('connect to 127.0.0.1 reaches the listener on the jail address, from the jail address', async () => {
    const l = await listen(JAIL);
    cleanups.push(() => l.server.close());
    const out = await p('connect', '4', '127.0.0.1', String(l.port));
    expect(out).toMatch(new RegExp(`^ok ${JAIL.replaceAll('.', '\\.')} \\d+$`));
    await until(() => l.peers.length > 0);
    expect(l.peers).toEqual([JAIL]);
  });

  it('connect: the source of an unbound socket is the jail address, whatever the destination', async () => {
    // A wildcard listener outside the jail, reached at a loopback address that is not rewritten.
    const w = await listen('0.0.0.0');
    cleanups.push(() => w.server.close());
    expect(await p('connect', '4', '127.0.0.3', String(w.port))).toMatch(/^ok 127\.31\.0\.5 /);
    await until(() => w.peers.length > 0);
    expect(w.peers).toEqual([JAIL]);
  });

  it('connect from a socket bound to the second jail address keeps that source', async () => {
    const w = await listen('0.0.0.0');
    cleanups.push(() => w.server.close());
    expect(await p('connect', '4', '127.0.0.3', String(w.port), JAIL2)).toMatch(/^ok 127\.31\.0\.6 /);
    await until(() => w.peers.length > 0);
    expect(w.peers).toEqual([JAIL2]);
  });

  it('UDP sendto 127.0.0.1 is delivered to the jail address with the jail address as source', async () => {
    const u = await udpBind('udp4', JAIL);
    cleanups.push(() => u.sock.close());
    // The socket itself is autobound to the wildcard (no bind hook runs); the datagram's source is set.
    expect(await p('sendto', '4', '127.0.0.1', String(u.port), 'ping')).toMatch(/^ok 0\.0\.0\.0 \d+$/);
    await until(() => u.got.length > 0);
    expect(u.got).toEqual([`${JAIL} ping`]);
  });

  it('an autobound UDP socket hears its port on the jail address only', async () => {
    const sink = await udpBind('udp4', JAIL);
    cleanups.push(() => sink.sock.close());
    const run = startProbeIn(cg.path, probe, 'autobind', '4', JAIL, String(sink.port), '700');
    const first = await run.waitFor(/^(ok|err) /);
    const m = /^ok (\S+) (\d+)$/.exec(first);
    expect(m, first).not.toBeNull();
    // Autobind binds the wildcard (no bind hook runs): getsockname shows 0.0.0.0.
    const port = Number(m?.[2]);
    const host = await udpBind('udp4', '127.0.0.1');
    cleanups.push(() => host.sock.close());
    host.sock.send('to-loopback', port, '127.0.0.1');
    host.sock.send('to-other', port, OTHER);
    host.sock.send('to-jail', port, JAIL);
    await run.exited;
    expect(run.lines.filter((l) => l.startsWith('recv '))).toEqual(['recv 127.0.0.1 to-jail']);
    expect(run.lines.at(-1)).toBe('done');
    // The sink saw the probe's first datagram from the jail address (sendmsg set the source).
    await until(() => sink.got.length > 0);
    expect(sink.got).toEqual([`${JAIL} hello`]);
  });

  it('listen() on a never-bound socket: connections to the jail address only (IPv4 and IPv6 ingress)', async () => {
    for (const [fam, good, bad] of [
      ['4', JAIL, '127.0.0.1'],
      ['6', '::1', null],
    ] as const) {
      const run = startProbeIn(cg.path, probe, 'listen', fam, '700');
      const m = /^ok (\S+) (\d+)$/.exec(await run.waitFor(/^(ok|err) /));
      expect(m).not.toBeNull();
      const port = Number(m?.[2]);
      const tries = [good, ...(bad ? [bad] : [])].map((host) => tryConnect(host, port));
      // The SYN to a non-jail address is dropped by the ingress program: no RST, the connect hangs.
      expect(await Promise.all(tries)).toEqual([`${good} connected`, ...(bad ? [`${bad} timeout`] : [])]);
      await run.exited;
      expect(run.lines.filter((l) => l.startsWith('accepted'))).toEqual([`accepted on ${good}`]);
    }
  });

  it("connect() of a UDP socket autobound to the wildcard is refused (its source would be the host's)", async () => {
    const u = await udpBind('udp4', JAIL);
    cleanups.push(() => u.sock.close());
    expect(await p('sendto-connect', '4', JAIL, String(u.port))).toBe('err EADDRNOTAVAIL');
  });

  it('IPv6: in6addr_any becomes ::1 (the jail address), others and v4-mapped are EADDRNOTAVAIL', async () => {
    expect(await p('bind', '6', 'tcp', '::')).toMatch(/^ok ::1 \d+$/);
    expect(await p('bind', '6', 'tcp', '::1')).toMatch(/^ok ::1 \d+$/);
    expect(await p('bind', '6', 'tcp', 'fd53:7973:6a61:696c::9', 'freebind')).toBe('err EADDRNOTAVAIL');
    expect(await p('bind', '6', 'tcp', '::ffff:127.31.0.5')).toBe('err EADDRNOTAVAIL');
    const l = await listen('::1');
    cleanups.push(() => l.server.close());
    expect(await p('connect', '6', '::1', String(l.port))).toMatch(/^ok ::1 \d+$/);
    expect(await p('connect', '6', `::ffff:${JAIL}`, String(l.port))).toBe('err EADDRNOTAVAIL');
  });

  it('flip race: no bind ever lands on the refused address or the wildcard', async () => {
    const out = await p('race', JAIL, OTHER, '30000');
    const m = /^race (\d+) bound (\d+) refused (\d+) wrong (\d+) other (\d+)$/.exec(out);
    expect(m, out).not.toBeNull();
    const [, n, bound, refused, wrong, other] = (m as RegExpExecArray).map(Number);
    expect(wrong).toBe(0);
    expect(other).toBe(0);
    expect(bound + refused).toBe(n);
    // The flipper really raced: both outcomes happened.
    expect(bound).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    console.log(out);
  });

  it('detach removes the programs (then the same bind succeeds)', async () => {
    const other = JailCgroup.create(`${PREFIX}detach`);
    cleanups.push(() => other.destroy());
    const c = confineAddresses(other, { ipv4: [JAIL], ipv6: [] });
    expect(await probeIn(other.path, probe, 'bind', '4', 'tcp', OTHER)).toBe('err EADDRNOTAVAIL');
    // No IPv6 address: every IPv6 bind and connect is refused.
    expect(await probeIn(other.path, probe, 'bind', '6', 'tcp', '::')).toBe('err EADDRNOTAVAIL');
    c.detach();
    expect(await probeIn(other.path, probe, 'bind', '4', 'tcp', OTHER)).toMatch(/^ok 127\.31\.0\.9 \d+$/);
  });
});

describe('confineAddresses with a non-local primary IPv6 address (IPV6_FREEBIND)', () => {
  it('rewrites :: to the primary, keeps the second jail address ::1, refuses others', async () => {
    const v6 = JailCgroup.create(`${PREFIX}v6`);
    cleanups.push(() => v6.destroy());
    confineAddresses(v6, { ipv4: [JAIL], ipv6: ['fd53:7973:6a61:696c::5', '::1'] });
    const q = (...args: string[]) => probeIn(v6.path, probe, ...args);
    expect(await q('bind', '6', 'udp', '::', 'freebind')).toMatch(/^ok fd53:7973:6a61:696c::5 \d+$/);
    expect(await q('bind', '6', 'tcp', '::1')).toMatch(/^ok ::1 \d+$/);
    expect(await q('bind', '6', 'tcp', 'fd53:7973:6a61:696c::9', 'freebind')).toBe('err EADDRNOTAVAIL');
  });

  it('ingress on IPv6: a dual-stack wildcard listener hears the jail IPv4 and IPv6 addresses only', async () => {
    const v6 = JailCgroup.create(`${PREFIX}v6only`);
    cleanups.push(() => v6.destroy());
    confineAddresses(v6, { ipv4: [JAIL], ipv6: ['fd53:7973:6a61:696c::5'] });
    const run = startProbeIn(v6.path, probe, 'listen', '6', '700');
    const m = /^ok (\S+) (\d+)$/.exec(await run.waitFor(/^(ok|err) /));
    expect(m).not.toBeNull();
    const port = Number(m?.[2]);
    expect(
      await Promise.all([tryConnect('::1', port), tryConnect('127.0.0.1', port), tryConnect(JAIL, port)]),
    ).toEqual(['::1 timeout', '127.0.0.1 timeout', `${JAIL} connected`]);
    await run.exited;
    expect(run.lines.filter((l) => l.startsWith('accepted'))).toEqual([`accepted on ::ffff:${JAIL}`]);
  });
});
