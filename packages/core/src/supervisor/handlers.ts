import { readFileSync } from 'node:fs';
import {
  AF_INET,
  AF_INET6,
  bind,
  close,
  errnoNumber,
  getsockname,
  listen,
  PIDFD_THREAD,
  pidfdGetfd,
  pidfdOpen,
  pidfdSendSignal,
  prlimit64,
  RLIM_INFINITY,
  type Rlimit,
  readMemory,
  SIGKILL,
  SyscallError,
  sethostname,
  threadSetresgid,
  threadSetresuid,
  writeMemory,
} from '@sysjail/systrace-bindings';
import type { NotifyEntry } from '../filter/compile.js';
import type { Decision } from '../policy.js';
import { hostPidOf } from '../process/host-pid.js';
import { receiveInitMessage, sendInitMessage } from './init-channel.js';

/** A call the kernel handed to the supervisor, with its copy of the registers. */
export interface NotifiedCall {
  readonly id: bigint;
  readonly pid: number;
  readonly arch: number;
  readonly archName: string;
  readonly nr: number;
  readonly args: readonly bigint[];
  readonly entry: NotifyEntry;
}

/** What to answer: a value, an errno, or "already answered" (ADDFD with SEND). */
export type Reply =
  | { readonly val: number }
  | { readonly errno: number; readonly reason?: string }
  | { readonly sent: true };

/** The jail as handlers see it. */
export interface HandlerContext {
  readonly jid: number;
  readonly initPidfd: number;
  readonly controlFd: number;
  /** The jail's addresses now (jail.change may replace them). */
  ipv4: readonly string[];
  ipv6: readonly string[];
  readonly allowRlimit: boolean;
  readonly cgroupProcs: string;
  errno(name: string): number;
  /** Still the same call (the caller did not die and its pid was not reused)? */
  stillValid(id: bigint): boolean;
  /** Decision of the jail's filter for a synthetic call (socketcall decoding), with the rule's reason. */
  evaluate(arch: number, name: string, args: readonly bigint[]): Decision & { reason?: string };
  /** Installs fd in the caller and answers the call with its number. */
  addFdAndReply(id: bigint, fd: number, cloexec: boolean): void;
  /** Runs fn on the supervisor thread inside the jail's UTS namespace. */
  inJailUts(fn: () => void): void;
  /** Shuts the jail down (reboot). */
  shutdown(reason: string): void;
  /** Takes init-channel messages that arrive while a handler waits for an answer. */
  deferInitMessage(msg: { op: string; a: number; b: number; c: number }): void;
}

export type Handler = (call: NotifiedCall, ctx: HandlerContext) => Reply;

const int32 = (v: bigint) => Number(BigInt.asIntN(32, v));
const errnoOf = (e: unknown) => (e instanceof SyscallError ? e.errno : errnoNumber('EIO'));

/**
 * Runs fn on the caller's file descriptor, taken with pidfd_getfd: the object, not the number, is used.
 * The pidfd is checked against the notification once opened (the caller may have died and its pid been
 * reused): undefined if the call is gone.
 */
function withCallerFd<T>(
  call: NotifiedCall,
  ctx: HandlerContext,
  fd: number,
  fn: (ours: number) => T,
): T | undefined {
  const pidfd = pidfdOpen(call.pid, PIDFD_THREAD);
  try {
    if (!ctx.stillValid(call.id)) return undefined;
    const ours = pidfdGetfd(pidfd, fd, 0);
    try {
      return fn(ours);
    } finally {
      close(ours);
    }
  } finally {
    close(pidfd);
  }
}

/** listen(2): a never-bound inet socket is first bound to the jail's address, then listened on. */
function listenOn(call: NotifiedCall, ctx: HandlerContext, fd: number, backlog: number): Reply {
  try {
    const reply = withCallerFd(call, ctx, fd, (sock): Reply => {
      const name = getsockname(sock);
      if (
        (name.family === AF_INET || name.family === AF_INET6) &&
        'port' in name &&
        name.port === 0 &&
        (name.address === '0.0.0.0' || name.address === '::')
      ) {
        const family = name.family;
        const address = family === AF_INET ? ctx.ipv4[0] : ctx.ipv6[0];
        if (!address) return { errno: ctx.errno('EADDRNOTAVAIL'), reason: 'no jail address of this family' };
        bind(sock, { family, address, port: 0 });
      }
      listen(sock, backlog);
      return { val: 0 };
    });
    return reply ?? { errno: ctx.errno('ESRCH') };
  } catch (e) {
    return { errno: errnoOf(e), reason: `listen(${fd}) of ${call.pid}: ${(e as Error).message}` };
  }
}

/** listen(2); through i386 socketcall(SYS_LISTEN) the arguments are in memory. */
function listenHandler(call: NotifiedCall, ctx: HandlerContext): Reply {
  return call.entry.syscall === 'socketcall'
    ? socketcallHandler(call, ctx)
    : listenOn(call, ctx, int32(call.args[0]), int32(call.args[1]));
}

/** Host pid of a pid as the jail sees it (its PID namespace), among the jail's processes. */
function hostPid(ctx: HandlerContext, call: NotifiedCall, jailPid: number): number | undefined {
  return jailPid === 0 ? call.pid : hostPidOf(ctx.cgroupProcs, jailPid);
}

/** Real, effective, saved uids and gids of a process (/proc/<pid>/status). */
function credentials(pid: number): { uid: number[]; gid: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const ids = (key: string) =>
    (new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .slice(0, 3)
      .map(Number);
  return { uid: ids('Uid'), gid: ids('Gid') };
}

/**
 * The kernel's check_prlimit_permission without CAP_SYS_RESOURCE (jailed root has none): another
 * process's limits only if the caller's real uid and gid are the target's real, effective and saved ones.
 * The supervisor acts with its own privileges, so it must ask this for the caller.
 */
function mayChangeLimitsOf(caller: number, target: number): boolean {
  if (caller === target) return true;
  try {
    const c = credentials(caller);
    const t = credentials(target);
    return (
      t.uid.length === 3 &&
      t.gid.length === 3 &&
      t.uid.every((u) => u === c.uid[0]) &&
      t.gid.every((g) => g === c.gid[0])
    );
  } catch {
    return false;
  }
}

/**
 * prlimit64 on the target with this thread's real uid and gid set to the target's (effective ids stay
 * 0, so they come back): the kernel then lets a supervisor without CAP_SYS_RESOURCE lower the limits of
 * a non-root process, as it lets that process's owner.
 */
function prlimitAs(target: number, resource: number, limit?: Rlimit): Rlimit {
  const { uid, gid } = credentials(target);
  if (uid[0] === 0 && gid[0] === 0) return prlimit64(target, resource, limit);
  threadSetresgid(gid[0], 0, 0);
  try {
    threadSetresuid(uid[0], 0, 0);
    try {
      return prlimit64(target, resource, limit);
    } finally {
      threadSetresuid(0, 0, 0);
    }
  } finally {
    threadSetresgid(0, 0, 0);
  }
}

const COMPAT_RLIM_INFINITY = 0xffffffffn;

function readRlimit(call: NotifiedCall, addr: bigint, compat: boolean): Rlimit {
  const buf = readMemory(call.pid, addr, compat ? 8 : 16);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (compat) {
    const widen = (v: bigint) => (v === COMPAT_RLIM_INFINITY ? RLIM_INFINITY : v);
    return { cur: widen(BigInt(view.readUInt32LE(0))), max: widen(BigInt(view.readUInt32LE(4))) };
  }
  return { cur: view.readBigUInt64LE(0), max: view.readBigUInt64LE(8) };
}

/**
 * setrlimit(2) / prlimit64(2): decided on the supervisor's copy of the new limit, performed by the
 * supervisor with prlimit64 on the target. Raising a hard limit is refused unless the prison allows it.
 */
const setrlimitHandler: Handler = (call, ctx) => {
  const isPrlimit = call.entry.syscall === 'prlimit64';
  const compat = !isPrlimit && call.archName !== 'x86_64';
  const [pidArg, resource, newAddr, oldAddr] = isPrlimit
    ? [int32(call.args[0]), int32(call.args[1]), call.args[2], call.args[3]]
    : [0, int32(call.args[0]), call.args[1], 0n];
  try {
    const wanted = newAddr === 0n ? undefined : readRlimit(call, newAddr, compat);
    if (!ctx.stillValid(call.id)) return { errno: ctx.errno('ESRCH') };
    const target = hostPid(ctx, call, pidArg);
    if (target === undefined) return { errno: ctx.errno('ESRCH') };
    if (!mayChangeLimitsOf(call.pid, target)) {
      return { errno: ctx.errno('EPERM'), reason: "the limits of another user's process" };
    }
    const current = prlimitAs(target, resource);
    if (wanted) {
      if (wanted.cur > wanted.max) return { errno: ctx.errno('EINVAL') };
      if (wanted.max > current.max && !ctx.allowRlimit) {
        return {
          errno: ctx.errno('EPERM'),
          reason: `raising the hard limit of resource ${resource} is not allowed in a jail`,
        };
      }
      prlimitAs(target, resource, wanted);
    }
    if (oldAddr !== 0n) {
      const out = Buffer.alloc(16);
      out.writeBigUInt64LE(current.cur, 0);
      out.writeBigUInt64LE(current.max, 8);
      writeMemory(call.pid, oldAddr, out);
    }
    return { val: 0 };
  } catch (e) {
    return { errno: errnoOf(e) };
  }
};

const LINUX_REBOOT_MAGIC1 = 0xfee1deadn;
const LINUX_REBOOT_MAGIC2 = [672274793n, 85072278n, 369367448n, 537993216n];
/** RESTART, HALT, POWER_OFF, RESTART2: a prison is not rebooted, only shut down. */
const SHUTDOWN_COMMANDS = [0x01234567n, 0xcdef0123n, 0x4321fedcn, 0xa1b2c3d4n];

/** reboot(2): never reaches the kernel; a shutdown command ends the jail. */
const rebootHandler: Handler = (call, ctx) => {
  const u32 = (v: bigint) => v & 0xffffffffn;
  if (u32(call.args[0]) !== LINUX_REBOOT_MAGIC1 || !LINUX_REBOOT_MAGIC2.includes(u32(call.args[1]))) {
    return { errno: ctx.errno('EINVAL') };
  }
  if (!SHUTDOWN_COMMANDS.includes(u32(call.args[2]))) {
    return { errno: ctx.errno('EPERM'), reason: 'only shutting the jail down is allowed' };
  }
  // Like reboot(2) in a PID namespace, the call never returns: the caller is killed first, then the
  // jail's init (which takes every other process of the jail with it); the call is left unanswered.
  try {
    const pidfd = pidfdOpen(call.pid, PIDFD_THREAD);
    try {
      pidfdSendSignal(pidfd, SIGKILL);
    } finally {
      close(pidfd);
    }
  } catch {}
  ctx.shutdown('reboot(2) called in the jail');
  return { sent: true };
};

const SYS_SOCKET = 1;
const SYS_LISTEN = 4;
const SOCK_CLOEXEC = 0o2000000;

/** i386 socketcall(2): the arguments are in user memory, so the supervisor decides on its copy. */
function socketcallHandler(call: NotifiedCall, ctx: HandlerContext): Reply {
  const op = int32(call.args[0]);
  const words = op === SYS_SOCKET ? 3 : op === SYS_LISTEN ? 2 : 0;
  if (words === 0) return { errno: ctx.errno('EINVAL') };
  let args: bigint[];
  try {
    const buf = readMemory(call.pid, call.args[1], 4 * words);
    const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    args = Array.from({ length: words }, (_, i) => BigInt(view.readUInt32LE(4 * i)));
  } catch (e) {
    return { errno: errnoOf(e) };
  }
  if (!ctx.stillValid(call.id)) return { errno: ctx.errno('ESRCH') };
  if (op === SYS_LISTEN) return listenOn(call, ctx, int32(args[0]), int32(args[1]));
  // The same decision as the direct socket(2) call, from the same compiled filter.
  const decision = ctx.evaluate(call.arch, 'socket', args);
  if (decision.action === 'errno') return { errno: ctx.errno(decision.errno), reason: decision.reason };
  if (decision.action !== 'allow') return { errno: ctx.errno('EPERM'), reason: 'socket(2) not allowed' };
  const [family, type, protocol] = args.map(int32);
  // The jail's init creates the socket, so it belongs to the jail's cgroup and its address programs.
  sendInitMessage(ctx.controlFd, { op: 'S', a: family, b: type, c: protocol });
  for (;;) {
    const msg = receiveInitMessage(ctx.controlFd);
    if (!msg) return { errno: ctx.errno('ENOSYS') };
    if (msg.op !== 'S') {
      ctx.deferInitMessage(msg);
      continue;
    }
    if (msg.a !== 0) return { errno: msg.a };
    let ours: number;
    try {
      ours = pidfdGetfd(ctx.initPidfd, msg.b, 0);
    } catch (e) {
      return { errno: errnoOf(e) };
    } finally {
      sendInitMessage(ctx.controlFd, { op: 'C', a: 0, b: msg.b, c: 0 });
    }
    try {
      ctx.addFdAndReply(call.id, ours, (type & SOCK_CLOEXEC) !== 0);
      return { sent: true };
    } catch (e) {
      return { errno: errnoOf(e) };
    } finally {
      close(ours);
    }
  }
}

const HOST_NAME_MAX = 64;

/**
 * sethostname(2) with allow.set_hostname: jailed root has no CAP_SYS_ADMIN, so the supervisor sets the
 * name it copied, in the jail's own UTS namespace (never the host's).
 */
function sethostnameHandler(call: NotifiedCall, ctx: HandlerContext): Reply {
  const len = Number(call.args[1] & 0xffffffffn);
  if (len > HOST_NAME_MAX) return { errno: ctx.errno('EINVAL') };
  let name: Buffer;
  try {
    name = readMemory(call.pid, call.args[0], len);
  } catch (e) {
    return { errno: errnoOf(e) };
  }
  if (!ctx.stillValid(call.id)) return { errno: ctx.errno('ESRCH') };
  try {
    ctx.inJailUts(() => sethostname(name.toString('latin1')));
    return { val: 0 };
  } catch (e) {
    return { errno: errnoOf(e) };
  }
}

/** Handlers by the name policies use in notify(name). */
export const handlers: Readonly<Record<string, Handler>> = {
  listen: listenHandler,
  setrlimit: setrlimitHandler,
  reboot: rebootHandler,
  socketcall: socketcallHandler,
  sethostname: sethostnameHandler,
};

export function shutdownJail(ctx: { initPidfd: number }): void {
  try {
    pidfdSendSignal(ctx.initPidfd, SIGKILL);
  } catch {}
}
