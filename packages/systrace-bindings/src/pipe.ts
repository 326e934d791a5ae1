// pipe2(2) and socketpair(2): pairs of connected descriptors.
import { syscall2, syscall3, syscall4 } from './syscall.js';

const NR_socketpair = 53;
const NR_pipe2 = 293;
const NR_ioctl = 16;
const FIONREAD = 0x541b;

/** [read end, write end]; O_CLOEXEC by default. */
export function pipe2(flags = 0o2000000): [number, number] {
  const fds = Buffer.alloc(8);
  syscall2(NR_pipe2, fds, flags);
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/** Two connected sockets of the given domain and type (e.g. AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC). */
export function socketpair(domain: number, type: number, protocol = 0): [number, number] {
  const fds = Buffer.alloc(8);
  syscall4(NR_socketpair, domain, type, protocol, fds);
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/** The bytes waiting in a pipe (FIONREAD), asked through either of its ends. */
export function pipeBytes(fd: number): number {
  const n = Buffer.alloc(4);
  syscall3(NR_ioctl, fd, FIONREAD, n);
  return n.readInt32LE(0);
}
