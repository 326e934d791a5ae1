// The FreeBSD emulation's notify handlers, loaded by core's supervisor thread (freebsd.handlers.module)
// for a jail whose filter is compiled from the FreeBSD policy. They hold the FreeBSD ABI (struct rlimit
// of int64s, its RLIM_INFINITY, its resource numbers); core's context copies and performs.

import type { Handler } from '@sysjail/core';
import { rlimits } from './translation.js';

const int32 = (v: bigint) => Number(BigInt.asIntN(32, v));

/** listen(2): a never-bound inet socket is bound to the jail's address first (core's helper). */
const listen: Handler = (call, ctx) => ctx.listen(int32(call.args[0]), int32(call.args[1]));

/** reboot(2) in a jail: whatever `howto` asks, the jail is shut down; the call never returns. */
const reboot: Handler = (_call, ctx) => {
  ctx.killCaller();
  return ctx.shutdown('reboot(2) called in the jail');
};

/** FreeBSD's RLIM_INFINITY: rlim_t is int64_t, so 2^63-1. */
const RLIM_INFINITY = 0x7fffffffffffffffn;
const HOST_RLIM_INFINITY = 0xffffffffffffffffn;

/** setrlimit(2): our copy of the FreeBSD struct rlimit, the resource by its host name, core performs. */
const setrlimit: Handler = (call, ctx) => {
  const name = rlimits[int32(call.args[0])];
  if (name === undefined) return { errno: 'EINVAL' };
  const copy = ctx.read(call.args[1], 16);
  // As FreeBSD's kern_proc_setrlimit: a negative value means RLIM_INFINITY.
  const limit = (v: bigint) => (v >= RLIM_INFINITY ? HOST_RLIM_INFINITY : v);
  const wanted = { cur: limit(copy.readBigUInt64LE(0)), max: limit(copy.readBigUInt64LE(8)) };
  if (!ctx.stillValid()) return { errno: 'ESRCH' };
  const result = ctx.prlimit(0, name, wanted);
  return 'errno' in result ? result : { val: 0 };
};

/** By the name the FreeBSD policy uses in notify(name). */
export const handlers: Readonly<Record<string, Handler>> = { listen, reboot, setrlimit };
