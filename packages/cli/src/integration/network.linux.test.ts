/**
 * Address and family confinement on the host's network stack (loopback only): forbidden families and raw
 * sockets fail; bind to INADDR_ANY or 127.0.0.1 lands on the jail IP, another address is refused; a
 * connect or sendto without bind leaves from the jail IP (a host server sees it); listen() on a never-bound
 * socket listens on the jail IP only; 127.0.0.1 reaches a server on the jail IP; no IPv6 address means no
 * AF_INET6 socket.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TcpWitness, tcpWitness, type UdpWitness, udpWitness } from './host-servers.js';
import { eventually } from './host-state.js';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { parseProbe, pick } from './probe-output.js';
import { runJail } from './run-tool.js';

const JAIL_IP = '127.0.0.21';
const OTHER_IP = '127.0.0.9';

let fx: JailFixture;
let tcp: TcpWitness;
let decoy: TcpWitness | undefined;
let udp: UdpWitness;
beforeAll(async () => {
  fx = makeJailFixture('net');
  tcp = await tcpWitness(JAIL_IP, 0, 'jail-server');
  // The same port on 127.0.0.1: a connect that escaped the rewrite would land here.
  decoy = await tcpWitness('127.0.0.1', tcp.port, 'decoy').catch(() => undefined);
  udp = await udpWitness(JAIL_IP);
});
afterAll(async () => {
  await tcp?.close();
  await decoy?.close();
  await udp?.close();
  fx?.cleanup();
});

describe.each(['probe64', 'probe32'])('network confinement (%s)', (probe) => {
  let out: Map<string, string>;
  beforeAll(async () => {
    tcp.peers.length = 0;
    udp.datagrams.length = 0;
    const r = await runJail(fx, [
      fx.root,
      'net.example',
      JAIL_IP,
      `/bin/${probe}`,
      'net',
      JAIL_IP,
      OTHER_IP,
      String(tcp.port),
      String(udp.port),
    ]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    out = parseProbe(r.stdout);
  });

  it('families other than UNIX, INET and netlink route fail; raw sockets are EPERM', () => {
    const names = [
      'AF_PACKET-raw',
      'AF_PACKET-dgram',
      'NETLINK_SOCK_DIAG',
      'AF_ALG',
      'AF_VSOCK',
      'AF_INET-raw',
    ];
    const got = pick(out, names);
    for (const n of names) expect(got[n], n).toMatch(/^E[A-Z]+$/);
    expect(got['AF_INET-raw']).toBe('EPERM');
    expect(got['AF_PACKET-raw']).toBe('EPERM');
    expect(got['AF_PACKET-dgram']).toBe('EAFNOSUPPORT');
    expect(got.AF_ALG).toBe('EAFNOSUPPORT');
    expect(got.AF_VSOCK).toBe('EAFNOSUPPORT');
    expect(got.NETLINK_SOCK_DIAG).toBe('EPROTONOSUPPORT');
    expect(pick(out, ['NETLINK_ROUTE', 'AF_UNIX'])).toEqual({ NETLINK_ROUTE: 'ok', AF_UNIX: 'ok' });
  });

  it('inet protocols other than TCP and UDP (ping, MPTCP, SCTP, UDP-Lite) are EPERM; TCP and UDP are not', () => {
    expect(
      pick(out, [
        'AF_INET-ping',
        'AF_INET-mptcp',
        'AF_INET-sctp',
        'AF_INET-sctp-stream',
        'AF_INET-udplite',
        'AF_INET-tcp',
        'AF_INET-udp',
      ]),
    ).toEqual({
      'AF_INET-ping': 'EPERM',
      'AF_INET-mptcp': 'EPERM',
      'AF_INET-sctp': 'EPERM',
      'AF_INET-sctp-stream': 'EPERM',
      'AF_INET-udplite': 'EPERM',
      'AF_INET-tcp': 'ok',
      'AF_INET-udp': 'ok',
    });
  });

  it('no IPv6 address: AF_INET6 fails with EAFNOSUPPORT', () => {
    expect(out.get('AF_INET6')).toBe('EAFNOSUPPORT');
  });

  it('bind: INADDR_ANY and 127.0.0.1 become the jail IP, another address is EADDRNOTAVAIL', () => {
    expect(out.get('bind-any')).toMatch(new RegExp(`^${JAIL_IP}:[1-9][0-9]*$`));
    expect(out.get('bind-localhost')).toMatch(new RegExp(`^${JAIL_IP}:[1-9][0-9]*$`));
    expect(out.get('bind-jail')).toMatch(new RegExp(`^${JAIL_IP}:[1-9][0-9]*$`));
    expect(out.get('bind-other')).toBe('EADDRNOTAVAIL');
  });

  it('listen() on a never-bound socket listens on the jail IP', () => {
    expect(out.get('listen-unbound')).toMatch(new RegExp(`^${JAIL_IP}:[1-9][0-9]*$`));
  });

  it('connect without bind leaves from the jail IP; 127.0.0.1 reaches the server on the jail IP', () => {
    expect(out.get('connect-jail-local')).toMatch(new RegExp(`^${JAIL_IP}:`));
    expect(out.get('connect-jail-seen')).toBe(`jail-server:${JAIL_IP}`);
    expect(out.get('connect-localhost-local')).toMatch(new RegExp(`^${JAIL_IP}:`));
    expect(out.get('connect-localhost-peer')).toBe(`${JAIL_IP}:${tcp.port}`);
    expect(out.get('connect-localhost-seen')).toBe(`jail-server:${JAIL_IP}`);
    expect(tcp.peers).toEqual([JAIL_IP, JAIL_IP]);
    if (decoy) expect(decoy.peers).toEqual([]);
  });

  it('UDP sendto without bind has the jail IP as source', async () => {
    expect(out.get('udp-sendto')).toBe('ok');
    // The autobound socket itself is on 0.0.0.0 (Linux picks the source per datagram); what leaves is
    // rewritten by the sendmsg4 hook, and the ingress program drops what arrives for other addresses.
    expect(out.get('udp-local')).toMatch(new RegExp(`^(${JAIL_IP}|0\\.0\\.0\\.0):[1-9]`));
    expect(out.get('udp-sendto-localhost')).toBe('ok');
    await eventually(() => udp.datagrams.length >= 2, 2000);
    expect(udp.datagrams.map((d) => d.from)).toEqual(udp.datagrams.map(() => JAIL_IP));
    expect(udp.datagrams.map((d) => d.text)).toContain('udp-jail');
  });
});

describe.each(['probe64', 'probe32'])('the autobind gap (%s)', (probe) => {
  it('an autobound UDP socket (0.0.0.0) receives only datagrams sent to the jail IP', async () => {
    // The host answers the jail's "hello": first to 127.0.0.1:port and 127.0.0.9:port (must be dropped
    // by the ingress program), then to the jail IP (must arrive), then "done".
    const sneaky = createSocket('udp4');
    await new Promise<void>((r) => sneaky.bind(0, '127.0.0.1', () => r()));
    const onHello = (msg: Buffer, rinfo: { address: string; port: number }) => {
      if (msg.toString() !== 'hello') return;
      sneaky.send('sneaky', rinfo.port, '127.0.0.1');
      sneaky.send('sneaky9', rinfo.port, '127.0.0.9');
      setTimeout(() => {
        udp.socket.send('legit', rinfo.port, JAIL_IP);
        setTimeout(() => udp.socket.send('done', rinfo.port, JAIL_IP), 50);
      }, 100);
    };
    udp.socket.on('message', onHello);
    try {
      const r = await runJail(fx, [
        fx.root,
        'net.example',
        JAIL_IP,
        `/bin/${probe}`,
        'udp-ingress',
        JAIL_IP,
        String(udp.port),
      ]);
      expect(r).toMatchObject({ status: 0, stderr: '' });
      const out = parseProbe(r.stdout);
      expect(out.get('udp-hello')).toBe('ok');
      expect(out.get('udp-recv-legit')).toBe('ok');
      expect(out.get('udp-recv-done')).toBe('ok');
      expect(out.has('udp-recv-sneaky')).toBe(false);
      expect(out.has('udp-recv-sneaky9')).toBe(false);
    } finally {
      udp.socket.off('message', onHello);
      await new Promise<void>((r) => sneaky.close(() => r()));
    }
  });
});
