import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, AF_UNIX, decodeSockaddr, encodeSockaddr } from './sockaddr.js';

describe('sockaddr', () => {
  it('round-trips IPv4, IPv6 and unix addresses', () => {
    for (const a of [
      { family: AF_INET, address: '127.0.0.1', port: 8080 },
      { family: AF_INET6, address: '::1', port: 1 },
      { family: AF_INET6, address: 'fe80::1:2', port: 65535 },
      { family: AF_INET6, address: '2001:db8:1:2:3:4:5:6', port: 9 },
    ] as const) {
      expect(decodeSockaddr(encodeSockaddr(a))).toEqual(a);
    }
    expect(decodeSockaddr(encodeSockaddr({ family: AF_UNIX, path: '/tmp/x.sock' }))).toEqual({
      family: AF_UNIX,
      path: '/tmp/x.sock',
    });
    expect(
      encodeSockaddr({ family: AF_INET6, address: '::ffff:127.0.0.1', port: 0 }).subarray(8, 24),
    ).toEqual(Buffer.from('00000000000000000000ffff7f000001', 'hex'));
  });

  it('rejects bad addresses', () => {
    expect(() => encodeSockaddr({ family: AF_INET, address: '::1', port: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
