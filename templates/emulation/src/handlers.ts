// The handlers this emulation's policy names in notify(name). Core's supervisor thread imports this
// module (built, as dist/handlers.js: see `__NAME__.handlers` in emulation.ts) and calls a handler with
// the kernel's copy of the registers and a context: copy-in from the caller, the jail's filter as a
// function, and the host operations core performs. The rule: copy once, decide on the copy, perform
// the call through the context; never let a call continue after looking at its memory.
import type { Handler } from '@sysjail/core';
import { handlers as linuxHandlers } from '@sysjail/emul-linux/handlers';

/** Longest host name (linux/utsname.h __NEW_UTS_LEN). */
const HOST_NAME_MAX = 64;
const hostnamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** sethostname(2): the name is copied once, checked on the copy, and set by core in the jail's UTS namespace. */
const hostname: Handler = (call, ctx) => {
  const length = Number(call.args[1] & 0xffffffffn);
  if (length > HOST_NAME_MAX) return { errno: 'EINVAL' };
  const name = ctx.read(call.args[0], length);
  if (!hostnamePattern.test(name.toString('latin1'))) {
    return { errno: 'EINVAL', reason: 'a host name of letters, digits, dots and dashes only' };
  }
  return ctx.sethostname(name);
};

/** Linux's handlers (its policy's notify rules) and __NAME__'s own. */
export const handlers: Readonly<Record<string, Handler>> = { ...linuxHandlers, hostname };
