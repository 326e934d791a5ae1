// struct sockaddr_in / sockaddr_in6 / sockaddr_un encoding and decoding.
import { InvalidArgumentError } from './errors.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip-address.js';

export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

export type SockaddrInet = { family: typeof AF_INET | typeof AF_INET6; address: string; port: number };
export type SockaddrUnix = { family: typeof AF_UNIX; path: string };
export type Sockaddr = SockaddrInet | SockaddrUnix | { family: number; raw: Buffer };

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
    const bytes = parseIPv4(addr.address);
    if (!bytes) throw new InvalidArgumentError(`not an IPv4 address: ${addr.address}`);
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(addr.port, 2);
    b.set(bytes, 4);
    return b;
  }
  const bytes = parseIPv6(addr.address);
  if (!bytes) throw new InvalidArgumentError(`not an IPv6 address: ${addr.address}`);
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(addr.port, 2);
  b.set(bytes, 8);
  return b;
}

/** Decodes the first `len` bytes of a struct sockaddr. */
export function decodeSockaddr(buf: Buffer, len = buf.length): Sockaddr {
  const family = buf.readUInt16LE(0);
  if (family === AF_INET && len >= 16) {
    return { family, port: buf.readUInt16BE(2), address: formatIPv4(buf.subarray(4, 8)) };
  }
  if (family === AF_INET6 && len >= 24) {
    return { family, port: buf.readUInt16BE(2), address: formatIPv6(buf.subarray(8, 24)) };
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
