// The Linux emulation's notify handlers, loaded by core's supervisor thread (linux.handlers.module).
// They hold the Linux ABI (argument layouts, reboot magic, socketcall numbers, flag bits); core's
// context copies from the caller and performs the host operations. Each copies once, decides on its
// copy and performs the call: none lets a call continue.

import type { Handler, HandlerContext, NotifiedCall, Reply } from '@sysjail/core';
import * as constants from './constants.js';
import {
  __NEW_UTS_LEN,
  AF_UNIX,
  LINUX_REBOOT_CMD_HALT,
  LINUX_REBOOT_CMD_POWER_OFF,
  LINUX_REBOOT_CMD_RESTART,
  LINUX_REBOOT_CMD_RESTART2,
  LINUX_REBOOT_MAGIC1,
  LINUX_REBOOT_MAGIC2,
  LINUX_REBOOT_MAGIC2A,
  LINUX_REBOOT_MAGIC2B,
  LINUX_REBOOT_MAGIC2C,
  SOCK_CLOEXEC,
  SYS_LISTEN,
  SYS_SOCKET,
  SYS_SOCKETPAIR,
} from './constants.js';

const int32 = (v: bigint) => Number(BigInt.asIntN(32, v));

/** RLIMIT_* names by number, from the constants. */
const rlimitNames = new Map(
  Object.entries(constants)
    .filter(([name]) => name.startsWith('RLIMIT_'))
    .map(([name, nr]) => [nr, name]),
);
const u32 = (v: bigint) => Number(v & 0xffffffffn);

/** listen(2); through i386 socketcall(SYS_LISTEN) the arguments are in memory. */
const listen: Handler = (call, ctx) =>
  call.syscall === 'socketcall'
    ? socketcall(call, ctx)
    : ctx.listen(int32(call.args[0]), int32(call.args[1]));

/** The words socketcall(2) reads from user memory for each call it hands to the supervisor. */
const SOCKETCALL_WORDS: Readonly<Record<number, number>> = {
  [SYS_SOCKET]: 3,
  [SYS_LISTEN]: 2,
  [SYS_SOCKETPAIR]: 4,
};

/** i386 socketcall(2): the arguments are in user memory, so the decision is made on our copy. */
const socketcall: Handler = (call, ctx) => {
  const op = int32(call.args[0]);
  const words = SOCKETCALL_WORDS[op] ?? 0;
  if (words === 0) return { errno: 'EINVAL' };
  const copy = ctx.read(call.args[1], 4 * words);
  const args = Array.from({ length: words }, (_, i) => BigInt(copy.readUInt32LE(4 * i)));
  if (!ctx.stillValid()) return { errno: 'ESRCH' };
  if (op === SYS_LISTEN) return ctx.listen(int32(args[0]), int32(args[1]));
  // The same decision as the direct call, from the jail's own filter.
  const name = op === SYS_SOCKETPAIR ? 'socketpair' : 'socket';
  const decision = ctx.evaluate(name, args.slice(0, 3));
  if (decision.action === 'errno') return { errno: decision.errno, reason: decision.reason };
  const [family, type, protocol] = args.slice(0, 3).map(int32);
  if (decision.action === 'notify' && decision.handler === 'unix-socket') {
    return op === SYS_SOCKETPAIR
      ? unixSocketpair(ctx, family, type, protocol, args[3])
      : unixSocket(ctx, family, type, protocol);
  }
  if (decision.action !== 'allow' || op !== SYS_SOCKET) {
    return { errno: 'EPERM', reason: `${name}(2) not allowed` };
  }
  return ctx.socket(family, type, protocol, (type & SOCK_CLOEXEC) !== 0);
};

/** socket(AF_UNIX): made in the jail's own network namespace, so its abstract names are the jail's. */
function unixSocket(ctx: HandlerContext, family: number, type: number, protocol: number): Reply {
  if (family !== AF_UNIX) return { errno: 'EAFNOSUPPORT' };
  return ctx.unixSocket(type, protocol, (type & SOCK_CLOEXEC) !== 0);
}

/**
 * socketpair(AF_UNIX): made likewise (neither socket can take a name of the host's); the two numbers
 * are written to the caller's int[2], output only. If that write fails the caller gets EFAULT and keeps
 * the two descriptors.
 */
function unixSocketpair(
  ctx: HandlerContext,
  family: number,
  type: number,
  protocol: number,
  sv: bigint,
): Reply {
  if (family !== AF_UNIX) return { errno: 'EOPNOTSUPP' };
  const [first, second] = ctx.unixSocketpair(type, protocol, (type & SOCK_CLOEXEC) !== 0);
  const numbers = Buffer.alloc(8);
  numbers.writeInt32LE(first, 0);
  numbers.writeInt32LE(second, 4);
  // The call still waits for our answer, so the caller's pid is still its own.
  if (!ctx.stillValid()) return { errno: 'ESRCH' };
  ctx.write(sv, numbers);
  return { val: 0 };
}

/**
 * socket(2) and socketpair(2) of AF_UNIX (the filter decides on the family argument): the jail's UNIX
 * sockets live in its own network namespace.
 */
const unixSocketHandler: Handler = (call, ctx) => {
  const [family, type, protocol] = call.args.slice(0, 3).map(int32);
  return call.syscall === 'socketpair'
    ? unixSocketpair(ctx, family, type, protocol, call.args[3])
    : unixSocket(ctx, family, type, protocol);
};

/** struct rlimit of a 32-bit ABI (compat_rlimit): RLIM_INFINITY is 2^32-1 there. */
const COMPAT_RLIM_INFINITY = 0xffffffffn;
const RLIM64_INFINITY = 0xffffffffffffffffn;

function readRlimit(ctx: HandlerContext, address: bigint, compat: boolean): { cur: bigint; max: bigint } {
  const copy = ctx.read(address, compat ? 8 : 16);
  if (!compat) return { cur: copy.readBigUInt64LE(0), max: copy.readBigUInt64LE(8) };
  const widen = (v: bigint) => (v === COMPAT_RLIM_INFINITY ? RLIM64_INFINITY : v);
  return { cur: widen(BigInt(copy.readUInt32LE(0))), max: widen(BigInt(copy.readUInt32LE(4))) };
}

/**
 * setrlimit(2) / prlimit64(2): decided on our copy of the new limit, performed by core on the target.
 * setrlimit of a 32-bit ABI takes the compat layout.
 */
const setrlimit: Handler = (call, ctx) => {
  const isPrlimit = call.syscall === 'prlimit64';
  const compat = !isPrlimit && call.bits === 32;
  const [pid, resource, newAddress, oldAddress] = isPrlimit
    ? [int32(call.args[0]), int32(call.args[1]), call.args[2], call.args[3]]
    : [0, int32(call.args[0]), call.args[1], 0n];
  const wanted = newAddress === 0n ? undefined : readRlimit(ctx, newAddress, compat);
  if (!ctx.stillValid()) return { errno: 'ESRCH' };
  const name = rlimitNames.get(resource);
  if (name === undefined) return { errno: 'EINVAL' };
  const result = ctx.prlimit(pid, name, wanted);
  if ('errno' in result) return result;
  if (oldAddress !== 0n) {
    const out = Buffer.alloc(16);
    out.writeBigUInt64LE(result.old.cur, 0);
    out.writeBigUInt64LE(result.old.max, 8);
    ctx.write(oldAddress, out);
  }
  return { val: 0 };
};

const REBOOT_MAGIC2 = [LINUX_REBOOT_MAGIC2, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C];
/** A prison is not rebooted, only shut down: these commands end it. */
const SHUTDOWN_COMMANDS = [
  LINUX_REBOOT_CMD_RESTART,
  LINUX_REBOOT_CMD_HALT,
  LINUX_REBOOT_CMD_POWER_OFF,
  LINUX_REBOOT_CMD_RESTART2,
];

/** reboot(2): never reaches the kernel; a shutdown command ends the jail. */
const reboot: Handler = (call, ctx) => {
  if (u32(call.args[0]) !== LINUX_REBOOT_MAGIC1 || !REBOOT_MAGIC2.includes(u32(call.args[1]))) {
    return { errno: 'EINVAL' };
  }
  if (!SHUTDOWN_COMMANDS.includes(u32(call.args[2]))) {
    return { errno: 'EPERM', reason: 'only shutting the jail down is allowed' };
  }
  // Like reboot(2) in a PID namespace, the call never returns: the caller is killed first, then the
  // jail's init (which takes every other process of the jail with it).
  ctx.killCaller();
  return ctx.shutdown('reboot(2) called in the jail');
};

/**
 * sethostname(2) with allow.set_hostname: jailed root has no CAP_SYS_ADMIN, so core sets the name we
 * copied, in the jail's own UTS namespace (never the host's).
 */
const sethostname: Handler = (call: NotifiedCall, ctx): Reply => {
  const length = u32(call.args[1]);
  if (length > __NEW_UTS_LEN) return { errno: 'EINVAL' };
  return ctx.sethostname(ctx.read(call.args[0], length));
};

/** By the name the Linux policy uses in notify(name). */
export const handlers: Readonly<Record<string, Handler>> = {
  listen,
  setrlimit,
  reboot,
  socketcall,
  'unix-socket': unixSocketHandler,
  sethostname,
};
