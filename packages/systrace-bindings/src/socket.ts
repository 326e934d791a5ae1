// Sockets: socket, bind, listen, getsockname, getsockopt, setsockopt.
import {
  decodeSockaddr,
  encodeSockaddr,
  type Sockaddr,
  type SockaddrInet,
  type SockaddrUnix,
} from './sockaddr.js';
import { syscall2, syscall3, syscall4, syscall5, syscall6 } from './syscall.js';
import { sysno } from './sysno.js';

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_REUSEPORT = 15;
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;

export function socket(domain: number, type: number, protocol = 0): number {
  return syscall3(sysno.socket, domain, type, protocol);
}

export function bind(fd: number, addr: SockaddrInet | SockaddrUnix | Uint8Array): void {
  const b = addr instanceof Uint8Array ? addr : encodeSockaddr(addr);
  syscall3(sysno.bind, fd, b, b.byteLength);
}

export function listen(fd: number, backlog = 128): void {
  syscall2(sysno.listen, fd, backlog);
}

export function connect(fd: number, addr: SockaddrInet | SockaddrUnix | Uint8Array): void {
  const b = addr instanceof Uint8Array ? addr : encodeSockaddr(addr);
  syscall3(sysno.connect, fd, b, b.byteLength);
}

/** accept4(2), without the peer's address. */
export function accept4(fd: number, flags = 0): number {
  return syscall4(sysno.accept4, fd, 0, 0, flags);
}

/** recv(2) (recvfrom without an address): the bytes read; 0 at the stream's end. */
export function recv(fd: number, into: Uint8Array, flags = 0): number {
  return syscall6(sysno.recvfrom, fd, into, into.byteLength, flags, 0, 0);
}

export function getsockname(fd: number): Sockaddr {
  const buf = Buffer.alloc(128);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(128, 0);
  syscall3(sysno.getsockname, fd, buf, len);
  return decodeSockaddr(buf, Math.min(128, len.readUInt32LE(0)));
}

/** getsockopt(2) of an int option. */
export function getsockoptInt(fd: number, level: number, name: number): number {
  const v = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(4, 0);
  syscall5(sysno.getsockopt, fd, level, name, v, len);
  return v.readInt32LE(0);
}

/** getsockopt(2) into a buffer; returns the length the kernel wrote. */
export function getsockopt(fd: number, level: number, name: number, into: Uint8Array): number {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(into.byteLength, 0);
  syscall5(sysno.getsockopt, fd, level, name, into, len);
  return len.readUInt32LE(0);
}

/** setsockopt(2); a number is passed as an int. */
export function setsockopt(fd: number, level: number, name: number, value: number | Uint8Array): void {
  let v: Uint8Array;
  if (typeof value === 'number') {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value, 0);
    v = b;
  } else v = value;
  syscall5(sysno.setsockopt, fd, level, name, v, v.byteLength);
}
