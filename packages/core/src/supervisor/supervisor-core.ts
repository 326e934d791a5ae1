// The supervisor's work, whichever thread does it: serves the seccomp listeners (and, the first thread,
// the init channels) of the jails given to it. A turn is: plan (the fds to poll) → poll → afterPoll
// (receive → decide → reply, init messages, reaping); control messages arrive between turns. Two drivers:
// a supervisor worker thread (supervisor-worker.ts, a synchronous poll(2) loop) and the main thread's
// event loop (in-thread-supervisor.ts, poll(2) waiting on libuv's pool). One instance per thread (module
// state), configured once by its driver.
//
// Two worker threads may share the jails. The first serves every jail: notifications, init channels,
// reaping and the main thread's requests. A jail that floods the supervisor (its notifications queue up:
// another is waiting as soon as one is answered, HOT_AFTER times in a row) is handed to the second thread,
// which answers its notifications until it has had no queue for COOL_MS; the other jails' calls never wait
// behind it. A jail's claim (CLAIM, Int32s both threads see) lets one thread at a time answer its
// notifications or read its init channel, so each notification is answered once and a jail's init
// messages keep their order across a handover. Init messages the second reads while it waits for a
// socket's reply go to the first (through `peer`) before it lets the jail go. A listener's answer goes
// back to the thread that asked (its tickets are odd, the first's even). The main thread's instance is a
// first without a second (no handover).

import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import {
  CLD_EXITED,
  CLONE_NEWUTS,
  CStringTooLongError,
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
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_USER_NOTIF,
  SIGKILL,
  SyscallError,
  sethostname,
  setns,
  WEXITED,
  WNOHANG,
  waitid,
  write,
} from '@sysjail/systrace-bindings';
import type { NotifyEntry } from '../filter/compile.js';
import {
  type ListenedArg,
  type ListenedSockaddr,
  listenerIndex,
  POLICY_ROUTE,
  sockaddrArgs,
} from '../listen/listener.js';
import type { ArgKind } from '../syscall-table.js';
import { callContext, errnoNameIn, type ServedJail } from './call-context.js';
import type { EmulationHandlers, Handler, NotifiedCall, Reply } from './handler-context.js';
import { encodeExec, receiveInitMessage, sendInitMessage } from './init-channel.js';
import {
  CLAIM,
  COUNTER,
  type DecisionProgram,
  entryCounter,
  type FromSupervisor,
  type OwnJailParts,
  type PreparedJailSpec,
  type SharedJailParts,
  type SupervisedJailSpec,
  type ToSupervisor,
} from './protocol.js';
import { UnixNamespace } from './unix-namespace.js';

/** What the thread answers: a handler's reply, or "let the kernel run it" (decided on scalars alone). */
type Answer = Reply | { readonly continue: true };

/** A call waiting for a listener in the main thread. */
interface Pending {
  readonly jail: Served;
  readonly call: NotifiedCall;
  readonly entry: NotifyEntry;
  readonly listener: number;
  readonly deadline: number;
  /** The listener was given copies of user memory: it may not let the kernel run the call. */
  readonly sawMemory: boolean;
}
const pending = new Map<number, Pending>();
let tickets = 0;
/** The longest a string argument copied for a listener may be (PATH_MAX). */
const STRING_MAX = 4096;
const SOCKADDR_MAX = 128;

interface Served extends ServedJail {
  readonly counters: Int32Array;
  readonly byCall: Map<number, Map<number, number[]>>;
  readonly abis: Map<number, { readonly name: string; readonly bits: 32 | 64 }>;
  /** The emulation's handlers by the name policies use in notify(name). */
  readonly handlers: Readonly<Record<string, Handler>>;
  hungUp: boolean;
  initGone: boolean;
  /** The init is this process's to reap ('released': its child from the start); set again once reaped. */
  reap: 'no' | 'yes' | 'done';
  /** A notification of this jail was answered in the previous turn of the loop. */
  busy: boolean;
  /** ... and in the turn before. */
  wasBusy: boolean;
  /** SERVING, RELEASES, OWNER (see above). */
  readonly claim: Int32Array;
  /** claim[RELEASES] when this thread last polled the jail: if it moved, what poll saw may be taken. */
  seen: number;
  /** Answers in a row after which another notification was waiting. */
  queued: number;
  /** The first thread asked for the jail's handover (and has not seen it come back yet). */
  handedOver: 'no' | 'asked' | 'away';
  /** The second thread: when the jail last had a queue. */
  lastQueued: number;
  /** The policy for the current flags; what routed calls and listeners' allow are decided by. */
  decision: DecisionProgram;
  decisionInterpreter: FilterInterpreter | undefined;
  policy(): { readonly interpreter: FilterInterpreter; readonly notifyTable: readonly NotifyEntry[] };
  /** "ABI syscall" → argument kinds, for the listened calls. */
  /** `abi syscall` → the listened call's argument kinds and names. */
  readonly argKinds: Map<string, { kinds: readonly ArgKind[]; names: readonly string[] }>;
}

/** What a driver gives the supervisor's work on its thread. */
export interface CoreEnvironment {
  readonly role: 'first' | 'second';
  /** Delivers a message to the main thread's side (the Supervisor's 'message' events). */
  post(msg: FromSupervisor): void;
  /** The read end of the pipe that wakes this thread's poll. */
  readonly wakeFd: number;
  /** first: init messages from the second; second: to the first (none without a second). */
  readonly peer?: MessagePort;
  /** The first thread's wake pipe (the second's only). */
  readonly wakeFirst?: number;
  /** Jails flooding the first thread may be handed to a second (worker threads only). */
  readonly handOver: boolean;
  /** A jail's fds are about to be closed (a driver that watches them stops first). */
  closing?(fds: readonly number[]): void;
}

let env: CoreEnvironment;
let isFirst = true;
let ME: number = CLAIM.first;

/** Sets this thread's role; once, before anything else here. */
export function configureCore(e: CoreEnvironment): void {
  env = e;
  isFirst = e.role === 'first';
  ME = isFirst ? CLAIM.first : CLAIM.second;
}
/** Answers in a row after which another notification of the jail was already waiting: hand it over. */
const HOT_AFTER = 32;
/** A handed-over jail without a queue for this long goes back to the first thread. */
const COOL_MS = 1000;
/** claim[] slots: who serves now, releases so far, which thread answers notifications (1: first, 2: second), */
const SERVING = 0;
const RELEASES = 1;
const OWNER = 2;
/** The jail's UNIX-socket namespace (an fd of this process, + 1; 0: none yet): see UnixNamespace. */
const UNIX_NAMESPACE = 3;
const wakeByte = Buffer.from([1]);
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
  env.post(msg);
}

/**
 * A jail's UNIX-socket namespace as this thread sees it: one per jail, made by whichever thread first
 * needs it and shared through the jail's claim (same abstract names); the first thread's closes it.
 */
function jailNamespace(claimView: Int32Array): UnixNamespace {
  return new UnixNamespace(claimView, UNIX_NAMESPACE, isFirst);
}

/** A 'prepare''s whole spec: its own parts and the shared ones (kept by id when they come along). */
function withShared(msg: Extract<ToSupervisor, { type: 'prepare' }>): PreparedJailSpec {
  if (!msg.shared) return msg.jail as PreparedJailSpec;
  const { id, parts } = msg.shared;
  if (parts) sharedParts.set(id, parts);
  const kept = parts ?? sharedParts.get(id);
  if (!kept) throw new Error(`no shared parts ${id}`);
  return { ...(msg.jail as OwnJailParts), ...kept };
}

/**
 * The served views of a spec's tables, made once per table object: jails of one filter share their
 * tables (a worker keeps them by id, see 'prepare'), and the views are only read.
 */
const views = new WeakMap<object, unknown>();
function viewOf<T>(from: object, make: () => T): T {
  let v = views.get(from) as T | undefined;
  if (v === undefined) {
    v = make();
    views.set(from, v);
  }
  return v;
}
const byCallOf = (spec: PreparedJailSpec) =>
  viewOf(
    spec.notifyByCall,
    () =>
      new Map(
        spec.notifyByCall.map(([arch, list]) => [arch, new Map(list.map(([nr, ix]) => [nr, [...ix]]))]),
      ),
  );
const numbersOf = (spec: PreparedJailSpec) => viewOf(spec.numbers, () => new Map(spec.numbers));
const abisOf = (spec: PreparedJailSpec) => viewOf(spec.abis, () => new Map(spec.abis));
const argKindsOf = (spec: PreparedJailSpec) =>
  viewOf(
    spec.argKinds,
    () => new Map(spec.argKinds.map(([abi, name, kinds, names]) => [`${abi} ${name}`, { kinds, names }])),
  );

/** Jails 'prepare'd and not yet attached: their spec so far, handlers, claim and namespace. */
interface Prepared {
  readonly spec: PreparedJailSpec;
  readonly handlers: Readonly<Record<string, Handler>>;
  readonly claim: SharedArrayBuffer;
  readonly unixNamespace: UnixNamespace;
}
const prepared = new Map<number, Prepared>();
/** Shared parts of prepared jails by id (see 'prepare'). */
const sharedParts = new Map<number, SharedJailParts>();

function serve(
  spec: SupervisedJailSpec,
  handlers: Readonly<Record<string, Handler>>,
  claim: SharedArrayBuffer,
  namespace?: UnixNamespace,
): Served {
  let built: FilterInterpreter | undefined;
  const claimView = new Int32Array(claim);
  const unixNamespace = namespace ?? jailNamespace(claimView);
  const served: Served = {
    spec,
    listener: new NotificationListener(spec.listenerFd),
    prison: spec.prison,
    handlers,
    counters: new Int32Array(spec.counters),
    byCall: byCallOf(spec),
    interpreter: () => {
      built ??= new FilterInterpreter(decode(spec.program));
      return built;
    },
    // Read only: the spec's objects (no copy of ~450 names per table), made when a handler first asks.
    get numbers() {
      return numbersOf(spec);
    },
    abis: abisOf(spec),
    deferred: [],
    hungUp: false,
    initGone: false,
    reap: 'no',
    busy: false,
    wasBusy: false,
    claim: claimView,
    seen: 0,
    queued: 0,
    handedOver: 'no',
    lastQueued: 0,
    decision: spec.decision,
    decisionInterpreter: undefined,
    policy: () => {
      served.decisionInterpreter ??= new FilterInterpreter(decode(served.decision.program));
      return { interpreter: served.decisionInterpreter, notifyTable: served.decision.notifyTable };
    },
    argKinds: argKindsOf(spec),
    inJailUts: (fn) => inNamespaceOf(spec.initPid, 'uts', CLONE_NEWUTS, fn),
    unixNamespace,
    shutdown: (reason) => {
      post({ type: 'shutdown', jid: spec.jid, reason });
      shutdownJail(spec);
    },
  };
  return served;
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

/** Does this thread answer the jail's notifications now? */
function answers(jail: Served): boolean {
  return (Atomics.load(jail.claim, OWNER) === 2) !== isFirst;
}

/** After an answer: was another notification of the jail already waiting? */
function queuedBehind(jail: Served): boolean {
  return (poll([{ fd: jail.spec.listenerFd, events: POLLIN }], 0)[0] & POLLIN) !== 0;
}

/**
 * The first thread, after answering a jail that was busy in the previous turn too: a jail whose calls
 * queue up HOT_AFTER times in a row is asked to go to the second thread (the main thread passes it on).
 */
function watchQueue(jail: Served, wasBusy: boolean): void {
  if (!env.handOver || jail.handedOver !== 'no' || !wasBusy) {
    jail.queued = 0;
    return;
  }
  jail.queued = queuedBehind(jail) ? jail.queued + 1 : 0;
  if (jail.queued < HOT_AFTER) return;
  jail.queued = 0;
  jail.handedOver = 'asked';
  post({ type: 'flooding', jid: jail.spec.jid });
}

/** The second thread: gives back (to the first) the jails that had no queue for COOL_MS or hung up. */
function giveBack(now: number): void {
  for (const jail of jails.values()) {
    if (!answers(jail) || (now - jail.lastQueued < COOL_MS && !jail.hungUp)) continue;
    Atomics.store(jail.claim, OWNER, 1);
    wakeTheFirst();
  }
}

function wakeTheFirst(): void {
  if (env.wakeFirst === undefined) return;
  try {
    write(env.wakeFirst, wakeByte);
  } catch {}
}

/**
 * Takes the jail for this thread; false while the other thread serves it (the first thread then marks
 * that it waits, and the second wakes it when it lets the jail go).
 */
function claim(jail: Served): boolean {
  for (;;) {
    const v = Atomics.load(jail.claim, SERVING);
    if (v === 0) {
      if (Atomics.compareExchange(jail.claim, SERVING, 0, ME) === 0) return true;
      continue;
    }
    if (!isFirst || (v & CLAIM.waiting) !== 0) return false;
    if (Atomics.compareExchange(jail.claim, SERVING, v, v | CLAIM.waiting) === v) return false;
  }
}

function release(jail: Served): void {
  Atomics.add(jail.claim, RELEASES, 1);
  if ((Atomics.exchange(jail.claim, SERVING, 0) & CLAIM.waiting) !== 0) wakeTheFirst();
}

/**
 * Claimed after poll said fd is readable: still so? (The other thread may have served the jail in
 * between; a receive with nothing to receive would block this thread.)
 */
function stillReadable(jail: Served, fd: number): boolean {
  if (Atomics.load(jail.claim, RELEASES) === jail.seen) return true;
  return (poll([{ fd, events: POLLIN }], 0)[0] & (POLLIN | POLLHUP | POLLERR)) !== 0;
}

/** The first thread: takes the jail, waiting for the second to let it go. */
function claimWaiting(jail: Served): void {
  while (!claim(jail)) Atomics.wait(jail.claim, SERVING, Atomics.load(jail.claim, SERVING), 1);
}

/** The first thread: the init messages the second read for it, in the order they came. */
function takeForwarded(): void {
  const { peer } = env;
  if (!peer) return;
  for (let m = receiveMessageOnPort(peer); m; m = receiveMessageOnPort(peer)) {
    const { jid, msg } = m.message as { jid: number; msg: Served['deferred'][number] };
    jails.get(jid)?.deferred.push(msg);
  }
}

/** The second thread, still holding the jail: the init messages it read go to the first, in order. */
function passDeferred(jail: Served): void {
  const { peer } = env;
  if (isFirst || !peer || jail.deferred.length === 0) return;
  for (const msg of jail.deferred.splice(0)) peer.postMessage({ jid: jail.spec.jid, msg });
  wakeTheFirst();
}

/** The first thread, holding the jail: its init messages read elsewhere, before any read from its channel. */
function handleDeferred(jail: Served): void {
  takeForwarded();
  while (jail.deferred.length > 0) handleInit(jail, jail.deferred.shift());
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
  const abi = jail.abis.get(data.arch);
  const call: NotifiedCall = {
    id,
    pid,
    auditArch: data.arch,
    abi: abi?.name ?? String(data.arch),
    bits: abi?.bits ?? 64,
    nr: data.nr,
    syscall: entry?.syscall ?? `nr ${data.nr}`,
    args: data.args,
    ...(entry?.rule ? { rule: entry.rule } : {}),
  };
  let reply: Answer | undefined;
  if (!entry || !abi) {
    reply = { errno: 'ENOSYS', reason: 'no rule for this notification' };
  } else if (entry.decision.action === 'errno') {
    reply = { errno: entry.decision.errno, reason: entry.rule?.reason ?? 'denied by policy' };
  } else if (entry.decision.action === 'notify') {
    const name = entry.decision.handler;
    const listener = listenerIndex(name);
    if (listener !== undefined) {
      reply = askListener(jail, call, entry, listener);
      if (reply === undefined) return; // answered when the listener does, or when its time is up
    } else if (name === POLICY_ROUTE) {
      reply = decideByPolicy(jail, call, false);
    } else {
      reply = runHandler(jail, call, name);
    }
  } else {
    reply = { errno: 'EPERM' };
  }
  finish(jail, call, entry, reply);
}

/** The emulation's handler `name` for the call; one that throws denies it. */
function runHandler(jail: Served, call: NotifiedCall, name: string): Reply {
  const handler = Object.hasOwn(jail.handlers, name) ? jail.handlers[name] : undefined;
  try {
    return handler
      ? handler(call, callContext(jail, call))
      : { errno: 'ENOSYS', reason: `no handler ${name}` };
  } catch (e) {
    if (e instanceof SyscallError) {
      // The host refused what the handler performed: the same errno, in the emulation's numbering.
      return { errno: e.errnoName, reason: `${name}: ${e.message}` };
    }
    post({ type: 'error', jid: jail.spec.jid, message: `${name}: ${(e as Error).message}` });
    return { errno: 'EIO', reason: 'supervisor handler failed' };
  }
}

/**
 * The decision of the jail's policy for its current flags (its filter run on the kernel's copy of the
 * registers): allow lets the kernel run the call, unless a listener saw copies of its memory.
 */
function decideByPolicy(jail: Served, call: NotifiedCall, sawMemory: boolean): Answer {
  const action =
    jail.policy().interpreter.run({
      nr: call.nr,
      arch: call.auditArch,
      instructionPointer: 0n,
      args: [...call.args],
    }) >>> 0;
  const kind = (action & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (kind === SECCOMP_RET_ALLOW) {
    if (sawMemory) {
      return {
        errno: 'EPERM',
        reason:
          "a listener that read the call's memory cannot let the kernel run it (it would read it again)",
      };
    }
    return { continue: true };
  }
  if (kind === SECCOMP_RET_ERRNO) {
    const errno = action & SECCOMP_RET_DATA;
    return { errno: errnoNameIn(jail.spec.errno, errno) ?? 'EPERM', reason: 'denied by policy' };
  }
  if (kind === SECCOMP_RET_USER_NOTIF) {
    const entry = jail.decision.notifyTable[action & SECCOMP_RET_DATA];
    if (entry?.decision.action === 'errno') {
      return { errno: entry.decision.errno, reason: entry.rule?.reason ?? 'denied by policy' };
    }
    if (entry?.decision.action === 'notify') {
      const viaRule: NotifiedCall = { ...call, ...(entry.rule ? { rule: entry.rule } : {}) };
      return runHandler(jail, viaRule, entry.decision.handler);
    }
    return { errno: 'EPERM', reason: 'no rule for this call' };
  }
  // kill: as SECCOMP_RET_KILL_PROCESS would.
  callContext(jail, call).killCaller();
  return { sent: true };
}

/**
 * Copies the call's strings and socket addresses once and hands the copy to the main thread. undefined:
 * the call waits for the answer (or the deadline); otherwise the answer now (a copy that failed).
 */
function askListener(
  jail: Served,
  call: NotifiedCall,
  entry: NotifyEntry,
  listener: number,
): Answer | undefined {
  const spec = jail.spec.listeners[listener];
  if (!spec) return { errno: 'EPERM', reason: `no listener ${listener}` };
  const ctx = callContext(jail, call);
  const { kinds, names } = jail.argKinds.get(`${call.abi} ${call.syscall}`) ?? { kinds: [], names: [] };
  const sockaddr = Object.hasOwn(sockaddrArgs, call.syscall) ? sockaddrArgs[call.syscall] : undefined;
  const args: ListenedArg[] = [];
  let sawMemory = false;
  for (const [i, kind] of kinds.entries()) {
    const value = call.args[i];
    let arg: ListenedArg = { kind, value };
    if (!spec.scalarsOnly && value !== 0n) {
      try {
        if (kind === 'path' || kind === 'str') {
          arg = { kind, value, string: ctx.readString(value, STRING_MAX).toString('utf8') };
          sawMemory = true;
        } else if (sockaddr && sockaddr[0] === i) {
          const len = Number(call.args[sockaddr[1]] & 0xffffffffn);
          if (len > SOCKADDR_MAX) return { errno: 'EINVAL', reason: 'socket address too long' };
          if (len >= 2) {
            arg = { kind, value, sockaddr: ctx.readSockaddr(value, len) as ListenedSockaddr };
            sawMemory = true;
          }
        }
      } catch (e) {
        if (e instanceof CStringTooLongError) return { errno: 'ENAMETOOLONG' };
        return { errno: 'EFAULT', reason: `argument ${i}: ${(e as Error).message}` };
      }
    }
    args.push(arg);
  }
  // The copies are the caller's only if the call is still the one notified (no pid reuse).
  if (!ctx.stillValid()) return { errno: 'ESRCH' };
  const ticket = 2 * ++tickets + (isFirst ? 0 : 1);
  pending.set(ticket, { jail, call, entry, listener, deadline: Date.now() + spec.timeoutMs, sawMemory });
  post({
    type: 'listen',
    jid: jail.spec.jid,
    ticket,
    listener,
    call: {
      jid: jail.spec.jid,
      pid: call.pid,
      abi: call.abi,
      syscall: call.syscall,
      args,
      argsByName: Object.fromEntries(names.flatMap((name, i) => (i < args.length ? [[name, args[i]]] : []))),
    },
  });
  return undefined;
}

/** A listener's answer (or its failure) for a waiting call. */
function answered(msg: Extract<ToSupervisor, { type: 'answer' }>): void {
  // An answer after the listener's time (its thread was busy, or this one was) is late: denied.
  expireListeners(0);
  const p = pending.get(msg.ticket);
  if (!p || p.jail.spec.jid !== msg.jid || jails.get(msg.jid) !== p.jail) return; // late: already denied
  pending.delete(msg.ticket);
  const { jail } = p;
  // What the answer leads to (a handler of the policy) may use the jail's init channel: hold the jail.
  claimWaiting(jail);
  try {
    answeredHeld(p, msg);
  } finally {
    passDeferred(jail);
    release(jail);
  }
}

function answeredHeld(p: Pending, msg: Extract<ToSupervisor, { type: 'answer' }>): void {
  const { jail, call } = p;
  let reply: Answer;
  const a = msg.answer;
  if (msg.failure !== undefined) {
    reply = failed(jail, `listener ${p.listener} failed: ${msg.failure}`);
  } else if (
    a?.action === 'errno' &&
    typeof a.errno === 'string' &&
    Object.hasOwn(jail.spec.errno, a.errno)
  ) {
    reply = { errno: a.errno, reason: call.rule?.reason ?? `listener ${p.listener}` };
  } else if (a?.action === 'emulate' && (typeof a.value === 'number' || typeof a.value === 'bigint')) {
    reply = { val: a.value as number };
  } else if (a?.action === 'allow') {
    reply = decideByPolicy(jail, call, p.sawMemory);
  } else {
    const text = JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? String(v) : v));
    reply = failed(jail, `listener ${p.listener} answered ${text}`);
  }
  finish(jail, call, p.entry, reply);
}

/** A listener that failed or did not answer in time: EPERM, counted (fail closed). */
function failed(jail: Served, reason: string): Reply {
  Atomics.add(jail.counters, COUNTER.listenerFailures, 1);
  return { errno: 'EPERM', reason };
}

/** Denies the waiting calls whose listener's time is up; returns ms until the next deadline (at most max). */
function expireListeners(max: number): number {
  const now = Date.now();
  let next = max;
  for (const [ticket, p] of pending) {
    if (jails.get(p.jail.spec.jid) !== p.jail) {
      pending.delete(ticket);
      continue;
    }
    const left = p.deadline - now;
    if (left > 0) {
      next = Math.min(next, left);
      continue;
    }
    pending.delete(ticket);
    const ms = p.jail.spec.listeners[p.listener]?.timeoutMs;
    finish(p.jail, p.call, p.entry, failed(p.jail, `listener ${p.listener} did not answer within ${ms} ms`));
  }
  return next;
}

/** Counts, audits and answers a call. */
function finish(jail: Served, call: NotifiedCall, entry: NotifyEntry | undefined, reply: Answer): void {
  if ('errno' in reply) {
    Atomics.add(jail.counters, COUNTER.denied, 1);
    if (entry) Atomics.add(jail.counters, entryCounter(entry.index, 'denied'), 1);
    const errno = errnoNumberIn(jail.spec.errno, reply.errno);
    post({
      type: 'audit',
      record: {
        jid: jail.spec.jid,
        time: Date.now(),
        pid: call.pid,
        arch: call.abi,
        syscall: call.syscall,
        action: 'denied',
        errno: errnoNameIn(jail.spec.errno, errno) ?? String(errno),
        reason: reply.reason ?? entry?.rule?.reason ?? 'denied',
      },
    });
    respond(jail, () => jail.listener.respond(call.id, { error: errno }));
    return;
  }
  if ('continue' in reply) {
    Atomics.add(jail.counters, COUNTER.allowed, 1);
    respond(jail, () => jail.listener.respondContinue(call.id));
    return;
  }
  Atomics.add(jail.counters, COUNTER.emulated, 1);
  if (entry) Atomics.add(jail.counters, entryCounter(entry.index, 'emulated'), 1);
  if ('sent' in reply) return;
  respond(jail, () => jail.listener.respond(call.id, { val: reply.val }));
}

function respond(_jail: Served, send: () => void): void {
  try {
    send();
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
}

/** Reaps a released init that has exited (its pidfd polled readable). */
function reapInit(jail: Served, retire = false): void {
  let r: ReturnType<typeof waitid>;
  try {
    r = waitid(P_PIDFD, jail.spec.initPidfd, WEXITED | WNOHANG);
  } catch {
    jail.reap = 'done'; // ECHILD: reaped elsewhere
    return;
  }
  if (r.pid === 0) return;
  jail.reap = 'done';
  // Before 'reaped': the init's last messages (its command's exit) reach the main thread first.
  if (retire) retireJail(jail);
  const exited = r.code === CLD_EXITED;
  post({
    type: 'reaped',
    jid: jail.spec.jid,
    code: exited ? r.status : null,
    signal: exited ? null : r.status,
    ...(retire ? { retired: true } : {}),
  });
}

/**
 * A worker's first thread, once the init is reaped (every process of the jail is gone): forgets the jail
 * now rather than at the main thread's 'remove', a round trip later at the end of the jail: the init's
 * last messages read, its namespace closed. Its fds stay open: the main thread closes them at its remove
 * (it knows whether a second thread still serves the jail), which then need not wait for this thread.
 */
function retireJail(jail: Served): void {
  claimWaiting(jail);
  try {
    handleDeferred(jail);
    while (!jail.initGone && poll([{ fd: jail.spec.controlFd, events: POLLIN }], 0)[0] & (POLLIN | POLLHUP)) {
      handleInit(jail, receiveInitMessage(jail.spec.controlFd));
    }
  } catch {
    jail.initGone = true; // a dead init's channel: nothing more to read
  }
  jails.delete(jail.spec.jid);
  jail.unixNamespace.close();
  release(jail);
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
      jails.set(
        msg.jail.jid,
        serve(msg.jail, handlerModules.get(msg.jail.handlers?.module ?? '') ?? {}, msg.claim),
      );
      post({ type: 'done', request: msg.request });
      return true;
    case 'prepare': {
      const { jid } = msg.jail;
      if (jails.has(jid) || prepared.has(jid)) throw new Error(`jail ${jid} is served already`);
      const spec = withShared(msg); // the whole spec (take made it so)
      // The views now, while the main thread launches: the attach only puts them together.
      byCallOf(spec);
      abisOf(spec);
      argKindsOf(spec);
      prepared.set(jid, {
        spec,
        handlers: handlerModules.get(spec.handlers?.module ?? '') ?? {},
        claim: msg.claim,
        unixNamespace: jailNamespace(new Int32Array(msg.claim)),
      });
      post({ type: 'done', request: msg.request });
      return true;
    }
    case 'attach': {
      const p = prepared.get(msg.jid);
      if (!p) throw new Error(`jail ${msg.jid} was not prepared`);
      prepared.delete(msg.jid);
      const { listenerFd, initPid, initPidfd, controlFd } = msg;
      const spec = { ...p.spec, listenerFd, initPid, initPidfd, controlFd };
      try {
        jails.set(msg.jid, serve(spec, p.handlers, p.claim, p.unixNamespace));
      } catch (e) {
        p.unixNamespace.close();
        throw e;
      }
      post({ type: 'done', request: msg.request });
      return true;
    }
    case 'forget':
      jails.delete(msg.jid);
      post({ type: 'done', request: msg.request });
      return true;
    case 'serve': {
      const jail = jails.get(msg.jid);
      if (jail && !jail.hungUp) {
        jail.lastQueued = Date.now();
        Atomics.store(jail.claim, OWNER, 2);
        wakeTheFirst(); // to leave it out of its poll
      }
      return true;
    }
    case 'remove': {
      if (msg.dropShared !== undefined) sharedParts.delete(msg.dropShared);
      prepared.get(msg.jid)?.unixNamespace.close();
      prepared.delete(msg.jid);
      const jail = jails.get(msg.jid);
      if (jail) {
        claimWaiting(jail);
        handleDeferred(jail);
        while (
          !jail.initGone &&
          poll([{ fd: jail.spec.controlFd, events: POLLIN }], 0)[0] & (POLLIN | POLLHUP)
        ) {
          handleInit(jail, receiveInitMessage(jail.spec.controlFd));
        }
        if (jail.reap === 'yes') reapInit(jail);
        jails.delete(msg.jid);
        jail.unixNamespace.close();
        release(jail);
        const fds = [jail.spec.listenerFd, jail.spec.controlFd, jail.spec.initPidfd];
        env.closing?.(fds);
        for (const fd of fds) {
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
          sendInitMessage(
            jail.spec.controlFd,
            { op: 'G', a: msg.onTerminal ?? 0, b: msg.onNull ?? 0, c: 0 },
            fds,
          );
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
          payload: encodeExec(msg.argv, msg.env, msg.cwd, msg.underLoader, msg.filters),
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
    case 'released': {
      const jail = jails.get(msg.jid);
      if (jail && jail.reap === 'no') jail.reap = 'yes';
      return true;
    }
    case 'change': {
      const jail = jails.get(msg.jid);
      try {
        if (!jail) throw new Error('no such jail');
        if (msg.hostname !== undefined && isFirst) {
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
    case 'answer':
      answered(msg);
      return true;
    case 'policy': {
      const jail = jails.get(msg.jid);
      if (jail) {
        jail.decision = msg.decision;
        jail.decisionInterpreter = undefined;
        jail.prison = { ...jail.prison, flags: msg.flags };
      }
      post({ type: 'done', request: msg.request, ...(jail ? {} : { error: 'no such jail' }) });
      return true;
    }
    case 'stop':
      return false;
  }
}

/**
 * Takes a message from the main thread's side; false: stop. An emulation's handler module is imported
 * once, before its first jail is served (the jail's init waits for the go meanwhile): the only wait.
 */
export async function take(msg: ToSupervisor): Promise<boolean> {
  if (msg.type === 'add' || msg.type === 'prepare') {
    let whole: ToSupervisor = msg;
    try {
      // A prepare's shared parts (kept from an earlier one, or kept now) make its whole spec.
      const spec = msg.type === 'prepare' ? withShared(msg) : msg.jail;
      if (msg.type === 'prepare')
        whole = { type: 'prepare', request: msg.request, jail: spec, claim: msg.claim };
      await loadHandlers(spec.handlers);
    } catch (e) {
      post({ type: 'done', request: msg.request, error: (e as Error).message });
      return true;
    }
    return control(whole);
  }
  return control(msg);
}

/** The same, for a message that is not an 'add' or 'prepare' (nothing to wait for). */
export function takeNow(msg: Exclude<ToSupervisor, { type: 'add' | 'prepare' }>): boolean {
  return control(msg);
}

/** What a turn polls: the wake pipe first, then the jails' fds. */
export interface PollPlan {
  readonly fds: PollFd[];
  readonly owners: [Served, 'listener' | 'init' | 'pidfd'][];
  /** ms until a listener's deadline (or the thread's idle look). */
  readonly timeoutMs: number;
}

/**
 * The driver has ended: every jail it served is killed and forgotten, its fds closed (mediated calls
 * fail from now on; fail closed).
 */
export function forgetAll(): void {
  for (const jail of jails.values()) {
    shutdownJail(jail.spec);
    jail.unixNamespace.close();
    const fds = [jail.spec.listenerFd, jail.spec.controlFd, jail.spec.initPidfd];
    env.closing?.(fds);
    for (const fd of fds) {
      try {
        close(fd);
      } catch {}
    }
  }
  jails.clear();
  for (const p of prepared.values()) p.unixNamespace.close();
  prepared.clear();
  pending.clear();
}

/** Jails the other thread held when this one tried: left out of the next poll. */
let skipped = new Set<Served>();

/** Does this thread serve any jail? */
export function serving(): boolean {
  return jails.size > 0;
}

/** The fds of the next poll. */
export function plan(): PollPlan {
  const fds: PollFd[] = [{ fd: env.wakeFd, events: POLLIN }];
  const owners: [Served, 'listener' | 'init' | 'pidfd'][] = [];
  if (!isFirst) giveBack(Date.now());
  for (const jail of jails.values()) {
    if (skipped.has(jail)) continue;
    jail.seen = Atomics.load(jail.claim, RELEASES);
    const mine = answers(jail);
    if (isFirst) {
      // A handed-over jail that came back is watched again.
      if (!mine && jail.handedOver === 'asked') jail.handedOver = 'away';
      else if (mine && jail.handedOver === 'away') jail.handedOver = 'no';
    }
    if (!jail.hungUp && mine) {
      fds.push({ fd: jail.spec.listenerFd, events: POLLIN });
      owners.push([jail, 'listener']);
    }
    if (!isFirst) continue;
    if (!jail.initGone) {
      fds.push({ fd: jail.spec.controlFd, events: POLLIN });
      owners.push([jail, 'init']);
    }
    if (jail.reap === 'yes') {
      fds.push({ fd: jail.spec.initPidfd, events: POLLIN });
      owners.push([jail, 'pidfd']);
    }
  }
  // The first thread is woken when a jail it waits for is free; the second looks again soon.
  const timeoutMs = expireListeners(
    !isFirst && skipped.size > 0 ? 1 : !isFirst && fds.length > 1 ? COOL_MS / 4 : 1000,
  );
  return { fds, owners, timeoutMs };
}

/** Serves what the poll of `p` found ready. */
export function afterPoll(p: PollPlan, revents: readonly number[]): void {
  const { fds, owners } = p;
  skipped = new Set();
  if (revents[0] & POLLIN) {
    try {
      read(env.wakeFd, wakeBuf);
    } catch {} // a non-blocking pipe drained already
  }
  if (isFirst) {
    takeForwarded();
    for (const jail of jails.values()) {
      if (jail.deferred.length === 0) continue;
      if (!claim(jail)) {
        skipped.add(jail);
        continue;
      }
      try {
        handleDeferred(jail);
      } finally {
        release(jail);
      }
    }
  }
  // One notification per jail per turn; jails that were not served in the previous turn first, so
  // that a jail's call waits at most for the one being answered, whichever jails flood.
  const first: number[] = [];
  const later: number[] = [];
  for (let i = 1; i < fds.length; i++) {
    const [jail, kind] = owners[i - 1];
    if (kind === 'listener') {
      jail.wasBusy = jail.busy;
      jail.busy = (revents[i] & POLLIN) !== 0;
      if (revents[i]) (jail.wasBusy ? later : first).push(i);
    } else if (revents[i]) first.push(i);
  }
  expireListeners(0);
  for (const i of [...first, ...later]) {
    const ev = revents[i];
    const [jail, kind] = owners[i - 1];
    // A jail removed (and its fds closed) since the plan: what the poll saw is not its.
    if (jails.get(jail.spec.jid) !== jail || skipped.has(jail)) continue;
    if (kind === 'pidfd') {
      reapInit(jail, env.handOver);
      continue;
    }
    if (kind === 'listener' && !(ev & POLLIN)) {
      if (ev & POLLHUP) {
        jail.hungUp = true; // the second gives it back: the first says so
        if (isFirst) post({ type: 'hangup', jid: jail.spec.jid });
      }
      continue;
    }
    if (!claim(jail)) {
      skipped.add(jail);
      continue;
    }
    try {
      if (kind === 'listener') {
        if (stillReadable(jail, jail.spec.listenerFd)) {
          handleNotification(jail);
          passDeferred(jail);
          if (isFirst) watchQueue(jail, jail.wasBusy);
          else if (queuedBehind(jail)) jail.lastQueued = Date.now();
        }
      } else if (ev & (POLLIN | POLLHUP | POLLERR)) {
        handleDeferred(jail);
        if (stillReadable(jail, jail.spec.controlFd))
          handleInit(jail, receiveInitMessage(jail.spec.controlFd));
      }
    } catch (e) {
      // ECONNRESET from a dead init, EBADF from a racing remove, a notification no handler could
      // serve ...: that jail only, and it ends (a call left unanswered would hang it; fail closed).
      if (kind === 'init') jail.initGone = true;
      else if (kind === 'listener') jail.hungUp = true;
      shutdownJail(jail.spec);
      post({ type: 'error', jid: jail.spec.jid, message: (e as Error).message });
    } finally {
      release(jail);
    }
  }
}
