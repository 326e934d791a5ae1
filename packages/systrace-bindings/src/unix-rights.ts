// Unix sockets beyond Node's net module: sendmsg/recvmsg with SCM_RIGHTS (passing descriptors) and the
// peer's credentials (SO_PEERCRED, SO_PEERPIDFD). struct layouts are x86_64's (LP64).
import { addressOf } from './libc.js';
import { SOL_SOCKET } from './socket.js';
import { syscall3, syscall5 } from './syscall.js';

const NR_sendmsg = 46;
const NR_recvmsg = 47;
const NR_getsockopt = 55;

export const SCM_RIGHTS = 1;
export const SO_PEERCRED = 17;
export const SO_PEERPIDFD = 77;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_DONTWAIT = 0x40;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_CMSG_CLOEXEC = 0x40000000;

/** The kernel's limit on descriptors in one SCM_RIGHTS message (SCM_MAX_FD). */
export const SCM_MAX_FD = 253;

const MSGHDR_SIZE = 56;
const CMSGHDR_SIZE = 16;
const align8 = (n: number) => (n + 7) & ~7;
/** CMSG_SPACE(n) for x86_64. */
const cmsgSpace = (n: number) => CMSGHDR_SIZE + align8(n);

/**
 * A struct msghdr for one data buffer and an optional control buffer. The caller keeps `data` and
 * `control` alive across the call (the returned holder references them).
 */
function msghdr(data: Uint8Array, control: Uint8Array | undefined) {
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(data.byteLength > 0 ? addressOf(data) : 0n, 0);
  iov.writeBigUInt64LE(BigInt(data.byteLength), 8);
  const hdr = Buffer.alloc(MSGHDR_SIZE);
  // msg_name = NULL, msg_namelen = 0
  hdr.writeBigUInt64LE(addressOf(iov), 16); // msg_iov
  hdr.writeBigUInt64LE(1n, 24); // msg_iovlen
  if (control && control.byteLength > 0) {
    hdr.writeBigUInt64LE(addressOf(control), 32); // msg_control
    hdr.writeBigUInt64LE(BigInt(control.byteLength), 40); // msg_controllen
  }
  return { hdr, keep: [iov, data, control] };
}

/** sendmsg(2) of `data` with `fds` attached (SCM_RIGHTS); returns the bytes sent. */
export function sendWithFds(
  sockfd: number,
  data: Uint8Array,
  fds: readonly number[] = [],
  flags = MSG_NOSIGNAL,
): number {
  if (fds.length > SCM_MAX_FD) throw new RangeError(`at most ${SCM_MAX_FD} descriptors per message`);
  let control: Buffer | undefined;
  if (fds.length > 0) {
    const c = Buffer.alloc(cmsgSpace(4 * fds.length));
    c.writeBigUInt64LE(BigInt(CMSGHDR_SIZE + 4 * fds.length), 0); // cmsg_len = CMSG_LEN
    c.writeInt32LE(SOL_SOCKET, 8);
    c.writeInt32LE(SCM_RIGHTS, 12);
    for (const [i, fd] of fds.entries()) c.writeInt32LE(fd, CMSGHDR_SIZE + 4 * i);
    control = c;
  }
  const m = msghdr(data, control);
  const n = syscall3(NR_sendmsg, sockfd, m.hdr, flags);
  m.keep.length = 0;
  return n;
}

export interface ReceivedWithFds {
  /** Bytes received into the buffer (0: end of file on a stream socket). */
  readonly bytes: number;
  /** Descriptors that came with the message, now this process's (close-on-exec by default). */
  readonly fds: number[];
  /** msg_flags: MSG_TRUNC, MSG_CTRUNC (descriptors were dropped: too many for maxFds). */
  readonly flags: number;
}

/**
 * recvmsg(2) into `into`, accepting up to `maxFds` descriptors. MSG_CMSG_CLOEXEC is added unless
 * `cloexec` is false. Descriptors beyond maxFds are closed by the kernel (flags has MSG_CTRUNC).
 */
export function receiveWithFds(
  sockfd: number,
  into: Uint8Array,
  options: { maxFds?: number; flags?: number; cloexec?: boolean } = {},
): ReceivedWithFds {
  const maxFds = Math.min(options.maxFds ?? 3, SCM_MAX_FD);
  const control = Buffer.alloc(cmsgSpace(4 * Math.max(maxFds, 1)));
  const m = msghdr(into, control);
  const flags = (options.flags ?? 0) | (options.cloexec === false ? 0 : MSG_CMSG_CLOEXEC);
  const bytes = syscall3(NR_recvmsg, sockfd, m.hdr, flags);
  const controllen = Number(m.hdr.readBigUInt64LE(40));
  const msgFlags = m.hdr.readInt32LE(48) & ~MSG_CMSG_CLOEXEC; // the kernel echoes it back
  const fds: number[] = [];
  for (let off = 0; off + CMSGHDR_SIZE <= controllen; ) {
    const len = Number(control.readBigUInt64LE(off));
    if (len < CMSGHDR_SIZE || off + len > controllen) break;
    if (control.readInt32LE(off + 8) === SOL_SOCKET && control.readInt32LE(off + 12) === SCM_RIGHTS) {
      for (let p = off + CMSGHDR_SIZE; p + 4 <= off + len; p += 4) fds.push(control.readInt32LE(p));
    }
    off += align8(len);
  }
  m.keep.length = 0;
  return { bytes, fds, flags: msgFlags };
}

/** struct ucred of the peer, as it was when it connected (or when the pair was made). */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** getsockopt(SO_PEERCRED). */
export function peerCredentials(sockfd: number): PeerCredentials {
  const v = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12, 0);
  syscall5(NR_getsockopt, sockfd, SOL_SOCKET, SO_PEERCRED, v, len);
  return { pid: v.readInt32LE(0), uid: v.readUInt32LE(4), gid: v.readUInt32LE(8) };
}

/**
 * getsockopt(SO_PEERPIDFD) (Linux 6.5+): a pidfd of the peer process, immune to pid reuse. Throws
 * SyscallError ENOPROTOOPT on older kernels.
 */
export function peerPidfd(sockfd: number): number {
  const v = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(4, 0);
  syscall5(NR_getsockopt, sockfd, SOL_SOCKET, SO_PEERPIDFD, v, len);
  return v.readInt32LE(0);
}
