// The supervisor thread: serves the seccomp listeners and init channels of every jail of this process.
// A synchronous loop (poll → receive → decide → reply); messages from the main thread arrive through
// receiveMessageOnPort after a byte on the wake pipe.

import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  CLD_EXITED,
  CLONE_NEWUTS,
  close,
  decode,
  FilterInterpreter,
  NotificationListener,
  O_CLOEXEC,
  O_RDONLY,
  open,
  P_PIDFD,
  POLLERR,
  POLLHUP,
  POLLIN,
  type PollFd,
  pidfdSendSignal,
  poll,
  read,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_DATA,
  SECCOMP_RET_USER_NOTIF,
  SIGKILL,
  SyscallError,
  sethostname,
  setns,
  WEXITED,
  WNOHANG,
  waitid,
} from '@sysjail/systrace-bindings';
import { mountJailProc, prepareMountThread } from '../mount/proc-mount.js';
import { callContext, errnoNameIn, type ServedJail } from './call-context.js';
import type { EmulationHandlers, Handler, NotifiedCall, Reply } from './handler-context.js';
import { encodeExec, receiveInitMessage, sendInitMessage } from './init-channel.js';
import { COUNTER, type FromSupervisor, type SupervisedJailSpec, type ToSupervisor } from './protocol.js';

interface Served extends ServedJail {
  readonly counters: Int32Array;
  readonly byCall: Map<number, Map<number, number[]>>;
  readonly abis: Map<number, { readonly name: string; readonly bits: 32 | 64 }>;
  /** The emulation's handlers by the name policies use in notify(name). */
  readonly handlers: Readonly<Record<string, Handler>>;
  hungUp: boolean;
  initGone: boolean;
  /** The init is this process's to reap (its launcher thread let it go); set again once reaped. */
  reap: 'no' | 'yes' | 'done';
  /** A notification of this jail was answered in the previous turn of the loop. */
  busy: boolean;
}

const { port, wakeFd, stopFlag } = workerData as { port: MessagePort; wakeFd: number; stopFlag: Int32Array };
const jails = new Map<number, Served>();
const hostNamespaces = new Map<string, number>();

/** Runs fn in a namespace of a jail's init, then returns this thread to the host's. */
function inNamespaceOf(initPid: number, kind: string, type: number, fn: () => void): void {
  let host = hostNamespaces.get(kind);
  if (host === undefined) {
    host = open(`/proc/thread-self/ns/${kind}`, O_RDONLY | O_CLOEXEC);
    hostNamespaces.set(kind, host);
  }
  const ns = open(`/proc/${initPid}/ns/${kind}`, O_RDONLY | O_CLOEXEC);
  try {
    setns(ns, type);
    try {
      fn();
    } finally {
      setns(host, type);
    }
  } finally {
    close(ns);
  }
}
const wakeBuf = Buffer.alloc(64);

function post(msg: FromSupervisor): void {
  port.postMessage(msg);
}

function serve(spec: SupervisedJailSpec, handlers: Readonly<Record<string, Handler>>): Served {
  let built: FilterInterpreter | undefined;
  return {
    spec,
    listener: new NotificationListener(spec.listenerFd),
    prison: spec.prison,
    handlers,
    counters: new Int32Array(spec.counters),
    byCall: new Map(
      spec.notifyByCall.map(([arch, list]) => [arch, new Map(list.map(([nr, ix]) => [nr, [...ix]]))]),
    ),
    interpreter: () => {
      built ??= new FilterInterpreter(decode(spec.program));
      return built;
    },
    numbers: new Map(spec.numbers.map(([arch, names]) => [arch, { ...names }])),
    abis: new Map(spec.abis),
    deferred: [],
    hungUp: false,
    initGone: false,
    reap: 'no',
    busy: false,
    inJailUts: (fn) => inNamespaceOf(spec.initPid, 'uts', CLONE_NEWUTS, fn),
    shutdown: (reason) => {
      post({ type: 'shutdown', jid: spec.jid, reason });
      shutdownJail(spec);
    },
  };
}

function shutdownJail(spec: { initPidfd: number }): void {
  try {
    pidfdSendSignal(spec.initPidfd, SIGKILL);
  } catch {}
}

/** Handler modules by specifier, loaded once (an emulation's module serves all its jails). */
const handlerModules = new Map<string, Readonly<Record<string, Handler>>>();

/** Loads an emulation's handler module and checks that it has every handler the emulation names. */
async function loadHandlers(
  declared: EmulationHandlers | undefined,
): Promise<Readonly<Record<string, Handler>>> {
  if (!declared) return {};
  let loaded = handlerModules.get(declared.module);
  if (!loaded) {
    const mod = (await import(declared.module)) as { handlers?: unknown };
    if (typeof mod.handlers !== 'object' || mod.handlers === null) {
      throw new Error(`handler module ${declared.module} exports no handlers`);
    }
    loaded = mod.handlers as Readonly<Record<string, Handler>>;
    handlerModules.set(declared.module, loaded);
  }
  for (const name of declared.names) {
    if (typeof loaded[name] !== 'function') {
      throw new Error(`handler module ${declared.module} has no handler ${name}`);
    }
  }
  return loaded;
}

/** The notify entry a call came from: direct when the call has one, else by running the filter. */
function entryOf(jail: Served, arch: number, nr: number, args: readonly bigint[]): number | undefined {
  const candidates = jail.byCall.get(arch)?.get(nr);
  if (!candidates || candidates.length === 0) return undefined;
  if (candidates.length === 1) return candidates[0];
  const action = jail.interpreter().run({ nr, arch, instructionPointer: 0n, args });
  return (action & SECCOMP_RET_ACTION_FULL) >>> 0 === SECCOMP_RET_USER_NOTIF
    ? action & SECCOMP_RET_DATA
    : undefined;
}

function handleNotification(jail: Served): void {
  let id: bigint;
  let pid: number;
  let data: { nr: number; arch: number; args: bigint[] };
  try {
    const notif = jail.listener.receive();
    id = notif.id;
    pid = notif.pid;
    data = { nr: notif.data.nr, arch: notif.data.arch, args: notif.data.args };
  } catch (e) {
    if (e instanceof SyscallError) return; // the caller died before we read it (ENOENT) or EINTR
    throw e;
  }
  const index = entryOf(jail, data.arch, data.nr, data.args);
  const entry = index === undefined ? undefined : jail.spec.notifyTable[index];
  Atomics.add(jail.counters, COUNTER.notified, 1);
  let reply: Reply;
  const abi = jail.abis.get(data.arch);
  const abiName = abi?.name ?? String(data.arch);
  if (!entry || !abi) {
    reply = { errno: 'ENOSYS', reason: 'no rule for this notification' };
  } else if (entry.decision.action === 'errno') {
    reply = { errno: entry.decision.errno, reason: entry.rule?.reason ?? 'denied by policy' };
  } else if (entry.decision.action === 'notify') {
    const name = entry.decision.handler;
    const handler = Object.hasOwn(jail.handlers, name) ? jail.handlers[name] : undefined;
    const call: NotifiedCall = {
      id,
      pid,
      auditArch: data.arch,
      abi: abi.name,
      bits: abi.bits,
      nr: data.nr,
      syscall: entry.syscall,
      args: data.args,
      ...(entry.rule ? { rule: entry.rule } : {}),
    };
    try {
      reply = handler
        ? handler(call, callContext(jail, call))
        : { errno: 'ENOSYS', reason: `no handler ${name}` };
    } catch (e) {
      if (e instanceof SyscallError) {
        // The host refused what the handler performed: the same errno, in the emulation's numbering.
        reply = { errno: e.errnoName, reason: `${name}: ${e.message}` };
      } else {
        post({ type: 'error', jid: jail.spec.jid, message: `${name}: ${(e as Error).message}` });
        reply = { errno: 'EIO', reason: 'supervisor handler failed' };
      }
    }
  } else {
    reply = { errno: 'EPERM' };
  }
  const syscall = entry?.syscall ?? `nr ${data.nr}`;
  if ('errno' in reply) {
    Atomics.add(jail.counters, COUNTER.denied, 1);
    const errno = errnoNumberIn(jail.spec.errno, reply.errno);
    post({
      type: 'audit',
      record: {
        jid: jail.spec.jid,
        time: Date.now(),
        pid,
        arch: abiName,
        syscall,
        action: 'denied',
        errno: errnoNameIn(jail.spec.errno, errno) ?? String(errno),
        reason: reply.reason ?? entry?.rule?.reason ?? 'denied',
      },
    });
    try {
      jail.listener.respond(id, { error: errno });
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e; // ENOENT: the caller is gone
    }
    return;
  }
  Atomics.add(jail.counters, COUNTER.emulated, 1);
  if ('sent' in reply) return;
  try {
    jail.listener.respond(id, { val: reply.val });
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e; // ENOENT: the caller is gone
  }
}

/** An errno name's number in the jail's emulation; a name it lacks is EPERM (fail closed). */
function errnoNumberIn(errno: Readonly<Record<string, number>>, name: string): number {
  return Object.hasOwn(errno, name) ? errno[name] : errno.EPERM;
}

function handleInit(jail: Served, msg: { op: string; a: number; b: number; c: number } | undefined): void {
  if (!msg) {
    jail.initGone = true;
    return;
  }
  if (msg.op === 'X') post({ type: 'exit', jid: jail.spec.jid, status: msg.a, pid: msg.b, tag: msg.c });
  else if (msg.op === 'P') post({ type: 'spawned', jid: jail.spec.jid, pid: msg.a, tag: msg.c, errno: 0 });
  else if (msg.op === 'F') post({ type: 'spawned', jid: jail.spec.jid, pid: 0, tag: msg.c, errno: msg.a });
  else if (msg.op === 'D') post({ type: 'deathsig', jid: jail.spec.jid, errno: msg.a });
}

/** Reaps a released init that has exited (its pidfd polled readable). */
function reapInit(jail: Served): void {
  let r: ReturnType<typeof waitid>;
  try {
    r = waitid(P_PIDFD, jail.spec.initPidfd, WEXITED | WNOHANG);
  } catch {
    jail.reap = 'done'; // ECHILD: reaped elsewhere
    return;
  }
  if (r.pid === 0) return;
  jail.reap = 'done';
  const exited = r.code === CLD_EXITED;
  post({
    type: 'reaped',
    jid: jail.spec.jid,
    code: exited ? r.status : null,
    signal: exited ? null : r.status,
  });
}

/** One jail's failure must never end the thread that serves every jail: errors become messages. */
function control(msg: ToSupervisor): boolean {
  try {
    return controlUnsafe(msg);
  } catch (e) {
    const jid = 'jid' in msg ? msg.jid : 0;
    post({ type: 'error', jid, message: `${msg.type}: ${(e as Error).message}` });
    if ('request' in msg) post({ type: 'done', request: msg.request, error: (e as Error).message });
    return true;
  }
}

function controlUnsafe(msg: ToSupervisor): boolean {
  switch (msg.type) {
    case 'add':
      // Reached after loadHandlers (main): the module is in handlerModules.
      jails.set(msg.jail.jid, serve(msg.jail, handlerModules.get(msg.jail.handlers?.module ?? '') ?? {}));
      post({ type: 'done', request: msg.request });
      return true;
    case 'remove': {
      const jail = jails.get(msg.jid);
      if (jail) {
        while (
          !jail.initGone &&
          poll([{ fd: jail.spec.controlFd, events: POLLIN }], 0)[0] & (POLLIN | POLLHUP)
        ) {
          handleInit(jail, receiveInitMessage(jail.spec.controlFd));
        }
        if (jail.reap === 'yes') reapInit(jail);
        jails.delete(msg.jid);
        for (const fd of [jail.spec.listenerFd, jail.spec.controlFd, jail.spec.initPidfd]) {
          try {
            close(fd);
          } catch {}
        }
      }
      post({ type: 'done', request: msg.request });
      return true;
    }
    case 'go': {
      const jail = jails.get(msg.jid);
      try {
        if (jail) {
          const fds = msg.terminal === undefined ? undefined : [msg.terminal];
          sendInitMessage(jail.spec.controlFd, { op: 'G', a: msg.onTerminal ?? 0, b: 0, c: 0 }, fds);
        }
      } finally {
        if (msg.terminal !== undefined) {
          try {
            close(msg.terminal);
          } catch {}
        }
      }
      return true;
    }
    case 'exec': {
      const jail = jails.get(msg.jid);
      try {
        if (!jail || jail.initGone) throw new Error('no such jail');
        const e = {
          op: 'E',
          a: msg.uid,
          b: msg.gid,
          c: msg.tag,
          payload: encodeExec(msg.argv, msg.env, msg.cwd, msg.underLoader),
        };
        sendInitMessage(jail.spec.controlFd, e, msg.fds);
      } catch (e) {
        const errno = e instanceof SyscallError ? e.errno : 3; // ESRCH: the jail is gone
        post({ type: 'spawned', jid: msg.jid, pid: 0, tag: msg.tag, errno });
      } finally {
        for (const fd of msg.fds ?? []) {
          try {
            close(fd);
          } catch {}
        }
      }
      return true;
    }
    case 'signal': {
      const jail = jails.get(msg.jid);
      if (jail && !jail.initGone)
        sendInitMessage(jail.spec.controlFd, { op: 'K', a: 0, b: msg.signal, c: 0 });
      return true;
    }
    case 'deathsig': {
      const jail = jails.get(msg.jid);
      if (!jail || jail.initGone) throw new Error('no such jail');
      sendInitMessage(jail.spec.controlFd, { op: 'D', a: msg.signal, b: 0, c: 0 });
      return true;
    }
    case 'released': {
      const jail = jails.get(msg.jid);
      if (jail && jail.reap === 'no') jail.reap = 'yes';
      return true;
    }
    case 'change': {
      const jail = jails.get(msg.jid);
      try {
        if (!jail) throw new Error('no such jail');
        if (msg.hostname !== undefined) {
          const name = msg.hostname;
          jail.inJailUts(() => sethostname(name));
        }
        jail.prison = {
          ...jail.prison,
          ...(msg.hostname === undefined ? {} : { hostname: msg.hostname }),
          ...(msg.ipv4 ? { ipv4: msg.ipv4 } : {}),
          ...(msg.ipv6 ? { ipv6: msg.ipv6 } : {}),
        };
        post({ type: 'done', request: msg.request });
      } catch (e) {
        post({ type: 'done', request: msg.request, error: (e as Error).message });
      }
      return true;
    }
    case 'mountProc':
      try {
        mountJailProc(msg.initPid);
        post({ type: 'done', request: msg.request });
      } catch (e) {
        post({ type: 'done', request: msg.request, error: (e as Error).message });
      }
      return true;
    case 'stop':
      return false;
  }
}

async function main(): Promise<void> {
  prepareMountThread();
  post({ type: 'ready' });
  for (;;) {
    if (Atomics.load(stopFlag, 0) !== 0) return; // the process is exiting
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const msg = m.message as ToSupervisor;
      if (msg.type === 'add') {
        // The only wait outside poll: an emulation's handler module is imported once, before its
        // first jail is served (the jail's init waits for the go meanwhile).
        try {
          await loadHandlers(msg.jail.handlers);
        } catch (e) {
          post({ type: 'done', request: msg.request, error: (e as Error).message });
          continue;
        }
      }
      if (!control(msg)) return;
    }
    const fds: PollFd[] = [{ fd: wakeFd, events: POLLIN }];
    const owners: [Served, 'listener' | 'init' | 'pidfd'][] = [];
    for (const jail of jails.values()) {
      if (!jail.hungUp) {
        fds.push({ fd: jail.spec.listenerFd, events: POLLIN });
        owners.push([jail, 'listener']);
      }
      if (!jail.initGone) {
        fds.push({ fd: jail.spec.controlFd, events: POLLIN });
        owners.push([jail, 'init']);
      }
      if (jail.reap === 'yes') {
        fds.push({ fd: jail.spec.initPidfd, events: POLLIN });
        owners.push([jail, 'pidfd']);
      }
    }
    const revents = poll(fds, 1000);
    for (const jail of jails.values())
      while (jail.deferred.length > 0) handleInit(jail, jail.deferred.shift());
    if (revents[0] & POLLIN) read(wakeFd, wakeBuf);
    // One notification per jail per turn; jails that were not served in the previous turn first, so
    // that a jail's call waits at most for the one being answered, whichever jails flood.
    const first: number[] = [];
    const later: number[] = [];
    for (let i = 1; i < fds.length; i++) {
      const [jail, kind] = owners[i - 1];
      if (kind === 'listener') {
        const wasBusy = jail.busy;
        jail.busy = (revents[i] & POLLIN) !== 0;
        if (revents[i]) (wasBusy ? later : first).push(i);
      } else if (revents[i]) first.push(i);
    }
    for (const i of [...first, ...later]) {
      const ev = revents[i];
      const [jail, kind] = owners[i - 1];
      if (!jails.has(jail.spec.jid)) continue;
      try {
        if (kind === 'listener') {
          if (ev & POLLIN) handleNotification(jail);
          else if (ev & POLLHUP) {
            jail.hungUp = true;
            post({ type: 'hangup', jid: jail.spec.jid });
          }
        } else if (kind === 'pidfd') {
          reapInit(jail);
        } else if (ev & (POLLIN | POLLHUP | POLLERR)) {
          handleInit(jail, receiveInitMessage(jail.spec.controlFd));
        }
      } catch (e) {
        // ECONNRESET from a dead init, EBADF from a racing remove, a notification no handler could
        // serve ...: that jail only, and it ends (a call left unanswered would hang it; fail closed).
        if (kind === 'init') jail.initGone = true;
        else if (kind === 'listener') jail.hungUp = true;
        shutdownJail(jail.spec);
        post({ type: 'error', jid: jail.spec.jid, message: (e as Error).message });
      }
    }
  }
}

void main();
