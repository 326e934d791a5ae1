// rtnetlink (NETLINK_ROUTE): interface addresses added and removed with RTM_NEWADDR / RTM_DELADDR, in the
// calling thread's network namespace. Messages are built here (nlmsghdr, ifaddrmsg, rtattr) and acked.
import { cString } from './c-string.js';
import { SyscallError } from './errors.js';
import { close, read, write } from './file-descriptors.js';
import { lastErrno, libcFunction } from './libc.js';
import { AF_NETLINK } from './sockaddr.js';
import { SOCK_CLOEXEC, SOCK_RAW, socket } from './socket.js';

export const NETLINK_ROUTE = 0;

export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const NLMSG_ERROR = 2;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_F_NODAD = 0x02;

const AF_INET = 2;
const AF_INET6 = 10;
const NLMSG_HDRLEN = 16;
const IFADDRMSG_LEN = 8;

/** An interface address: the interface index, the address bytes (4 or 16) and its prefix length. */
export interface InterfaceAddress {
  readonly ifindex: number;
  readonly address: Uint8Array;
  readonly prefixLength: number;
}

let seq = 0;

const align4 = (n: number) => (n + 3) & ~3;

function addressMessage(type: number, flags: number, a: InterfaceAddress): Buffer {
  const family = a.address.length === 4 ? AF_INET : a.address.length === 16 ? AF_INET6 : -1;
  if (family < 0) throw new RangeError('an interface address is 4 or 16 bytes');
  const attrLen = 4 + a.address.length;
  const attrs = family === AF_INET ? [IFA_LOCAL, IFA_ADDRESS] : [IFA_ADDRESS];
  const len = NLMSG_HDRLEN + IFADDRMSG_LEN + attrs.length * align4(attrLen);
  const m = Buffer.alloc(len);
  m.writeUInt32LE(len, 0);
  m.writeUInt16LE(type, 4);
  m.writeUInt16LE(flags, 6);
  m.writeUInt32LE(++seq, 8);
  m.writeUInt32LE(0, 12);
  m.writeUInt8(family, 16);
  m.writeUInt8(a.prefixLength, 17);
  // ifa_flags: an alias is usable at once, without IPv6 duplicate address detection
  m.writeUInt8(family === AF_INET6 ? IFA_F_NODAD : 0, 18);
  m.writeUInt8(0, 19); // RT_SCOPE_UNIVERSE
  m.writeUInt32LE(a.ifindex, 20);
  let at = NLMSG_HDRLEN + IFADDRMSG_LEN;
  for (const t of attrs) {
    m.writeUInt16LE(attrLen, at);
    m.writeUInt16LE(t, at + 2);
    m.set(a.address, at + 4);
    at += align4(attrLen);
  }
  return m;
}

/** Sends one request and reads its ack; throws a SyscallError with the kernel's errno on a negative ack. */
function request(name: string, message: Buffer): void {
  const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  try {
    write(fd, message);
    const reply = Buffer.alloc(8192);
    for (;;) {
      const n = read(fd, reply);
      for (let at = 0; at + NLMSG_HDRLEN <= n; ) {
        const len = reply.readUInt32LE(at);
        if (len < NLMSG_HDRLEN) break;
        if (
          reply.readUInt16LE(at + 4) === NLMSG_ERROR &&
          reply.readUInt32LE(at + 8) === message.readUInt32LE(8)
        ) {
          const error = reply.readInt32LE(at + NLMSG_HDRLEN);
          if (error !== 0) throw new SyscallError(name, -error);
          return;
        }
        at += align4(len);
      }
    }
  } finally {
    close(fd);
  }
}

/** Adds an address to an interface (RTM_NEWADDR, exclusive: EEXIST if the interface already has it). */
export function addInterfaceAddress(a: InterfaceAddress): void {
  request(
    'RTM_NEWADDR',
    addressMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, a),
  );
}

/** Removes an address from an interface (RTM_DELADDR; EADDRNOTAVAIL if it has no such address). */
export function deleteInterfaceAddress(a: InterfaceAddress): void {
  request('RTM_DELADDR', addressMessage(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, a));
}

const ifNameToIndex = libcFunction<(name: Buffer) => number>(
  'unsigned int if_nametoindex(const char *ifname)',
);

/** if_nametoindex(3) in the calling thread's network namespace; throws ENODEV if there is no such interface. */
export function interfaceIndex(name: string): number {
  const i = ifNameToIndex()(cString(name));
  if (i === 0) throw new SyscallError('if_nametoindex', lastErrno() || 19);
  return i;
}
