// struct sockaddr_in / sockaddr_in6 / sockaddr_un encoding and decoding.
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from './errors.js';

export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

export type SockaddrInet = { family: typeof AF_INET | typeof AF_INET6; address: string; port: number };
export type SockaddrUnix = { family: typeof AF_UNIX; path: string };
export type Sockaddr = SockaddrInet | SockaddrUnix | { family: number; raw: Buffer };

function ipv6Bytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  let head = address;
  let tail = '';
  const dbl = address.indexOf('::');
  if (dbl >= 0) {
    head = address.slice(0, dbl);
    tail = address.slice(dbl + 2);
  }
  const words = (s: string) => (s === '' ? [] : s.split(':'));
  const expand = (parts: string[]) =>
    parts.flatMap((p) => {
      if (p.includes('.')) {
        const v4 = p.split('.').map(Number);
        return [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
      }
      return [Number.parseInt(p, 16)];
    });
  const h = expand(words(head));
  const t = expand(words(tail));
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  all.forEach((w, i) => {
    out.writeUInt16BE(w, 2 * i);
  });
  return out;
}

function ipv6String(b: Buffer): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push(b.readUInt16BE(i));
  // longest run of zeros (>= 2) becomes '::'
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/** Encodes a socket address for bind/connect. */
export function encodeSockaddr(addr: SockaddrInet | SockaddrUnix): Buffer {
  if (addr.family === AF_UNIX) {
    const p = Buffer.from(addr.path, 'utf8');
    if (p.length > 107) throw new InvalidArgumentError(`unix socket path too long: ${addr.path}`);
    const b = Buffer.alloc(2 + p.length + 1);
    b.writeUInt16LE(AF_UNIX, 0);
    p.copy(b, 2);
    return b;
  }
  if (addr.family === AF_INET) {
    if (!isIPv4(addr.address)) throw new InvalidArgumentError(`not an IPv4 address: ${addr.address}`);
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(addr.port, 2);
    Buffer.from(addr.address.split('.').map(Number)).copy(b, 4);
    return b;
  }
  if (!isIPv6(addr.address)) throw new InvalidArgumentError(`not an IPv6 address: ${addr.address}`);
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(addr.port, 2);
  ipv6Bytes(addr.address).copy(b, 8);
  return b;
}

/** Decodes the first `len` bytes of a struct sockaddr. */
export function decodeSockaddr(buf: Buffer, len = buf.length): Sockaddr {
  const family = buf.readUInt16LE(0);
  if (family === AF_INET && len >= 16) {
    return { family, port: buf.readUInt16BE(2), address: [...buf.subarray(4, 8)].join('.') };
  }
  if (family === AF_INET6 && len >= 24) {
    return { family, port: buf.readUInt16BE(2), address: ipv6String(buf.subarray(8, 24)) };
  }
  if (family === AF_UNIX) {
    const p = buf.subarray(2, len);
    const nul = p.indexOf(0);
    // an abstract address starts with NUL and is kept whole
    const path = nul === 0 ? p.toString('latin1') : p.toString('utf8', 0, nul < 0 ? p.length : nul);
    return { family, path };
  }
  return { family, raw: Buffer.from(buf.subarray(0, len)) };
}
