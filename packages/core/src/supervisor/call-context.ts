// The HandlerContext the supervisor thread gives an emulation's handler for one notified call: copy-in
// from the caller, the jail's filter as a function, and the host operations a handler performs itself.
// Host mechanism only: every ABI fact (layouts, magic numbers, flag bits) is the emulation's.

import { readFileSync } from 'node:fs';
import {
  AF_INET,
  AF_INET6,
  bind,
  close,
  decodeSockaddr,
  errnoName,
  type FilterInterpreter,
  getsockname,
  listen,
  type NotificationListener,
  PIDFD_THREAD,
  pidfdGetfd,
  pidfdOpen,
  pidfdSendSignal,
  prlimit64,
  type Rlimit,
  readCString,
  readMemory,
  rlimitResources,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_USER_NOTIF,
  SIGKILL,
  sethostname,
  threadSetresgid,
  threadSetresuid,
  writeMemory,
} from '@sysjail/systrace-bindings';
import type { NotifyEntry } from '../filter/compile.js';
import type { Decision } from '../policy.js';
import type { Prison } from '../prison.js';
import { hostPidOf } from '../process/host-pid.js';
import type { HandlerContext, NotifiedCall, Reply } from './handler-context.js';
import { receiveInitMessage, sendInitMessage } from './init-channel.js';
import type { SupervisedJailSpec } from './protocol.js';
import type { UnixNamespace } from './unix-namespace.js';

/** What the supervisor thread keeps of one jail that handlers reach through their context. */
export interface ServedJail {
  readonly spec: SupervisedJailSpec;
  readonly listener: NotificationListener;
  /** The prison now (jail.change replaces it). */
  prison: Prison;
  /** auditArch → syscall name → number. */
  readonly numbers: ReadonlyMap<number, Readonly<Record<string, number>>>;
  /** The jail's filter as a function (built on first use). */
  interpreter(): FilterInterpreter;
  /**
   * The jail's policy for its current flags, without listeners, as a function: what handlers evaluate
   * calls by (the filter itself may send a call to a listener or to the supervisor's policy route).
   */
  policy(): { readonly interpreter: FilterInterpreter; readonly notifyTable: readonly NotifyEntry[] };
  /** Init-channel messages that arrived while a handler waited for the init's answer. */
  readonly deferred: { op: string; a: number; b: number; c: number }[];
  /** Runs fn in the jail's UTS namespace. */
  inJailUts(fn: () => void): void;
  /** The jail's own network namespace, where its UNIX sockets are made (abstract names). */
  readonly unixNamespace: UnixNamespace;
  /** Ends the jail (reason for its 'shutdown' message). */
  shutdown(reason: string): void;
}

/** The handler context of one call of a served jail. */
export function callContext(jail: ServedJail, call: NotifiedCall): HandlerContext {
  const stillValid = () => jail.listener.idValid(call.id);
  const withCallerFd = <T>(fd: number, fn: (ours: number) => T): T | undefined => {
    const pidfd = pidfdOpen(call.pid, PIDFD_THREAD);
    try {
      if (!stillValid()) return undefined;
      const ours = pidfdGetfd(pidfd, fd, 0);
      try {
        return fn(ours);
      } finally {
        close(ours);
      }
    } finally {
      close(pidfd);
    }
  };
  return {
    jid: jail.spec.jid,
    prison: jail.prison,
    stillValid,
    read: (address, length) => readMemory(call.pid, address, length),
    readString: (address, max) => readCString(call.pid, address, max),
    readSockaddr: (address, length) => decodeSockaddr(readMemory(call.pid, address, length), length),
    write: (address, data) => writeMemory(call.pid, address, data),
    evaluate: (syscall, args) => evaluate(jail, call.auditArch, syscall, args),
    withCallerFd,
    listen: (fd, backlog) => listenOn(jail, withCallerFd, fd, backlog),
    socket: (family, type, protocol, closeOnExec) =>
      socketInJail(jail, call, family, type, protocol, closeOnExec),
    unixSocket: (type, protocol, closeOnExec) => {
      const ours = jail.unixNamespace.socket(type, protocol);
      try {
        jail.listener.addFd(call.id, ours, { send: true, cloexec: closeOnExec });
        return { sent: true };
      } finally {
        close(ours);
      }
    },
    unixSocketpair: (type, protocol, closeOnExec) => {
      const pair = jail.unixNamespace.socketpair(type, protocol);
      try {
        const first = jail.listener.addFd(call.id, pair[0], { cloexec: closeOnExec });
        return [first, jail.listener.addFd(call.id, pair[1], { cloexec: closeOnExec })] as const;
      } finally {
        close(pair[0]);
        close(pair[1]);
      }
    },
    prlimit: (jailPid, name, wanted) => {
      if (!Object.hasOwn(rlimitResources, name)) return { errno: 'EINVAL', reason: `no resource ${name}` };
      const resource = rlimitResources[name];
      const target = jailPid === 0 ? call.pid : hostPidOf(jail.spec.cgroupProcs, jailPid);
      if (target === undefined || !stillValid()) return { errno: 'ESRCH' };
      if (!mayChangeLimitsOf(call.pid, target)) {
        return { errno: 'EPERM', reason: "the limits of another user's process" };
      }
      const old = prlimitAs(target, resource);
      if (wanted) {
        if (wanted.cur > wanted.max) return { errno: 'EINVAL' };
        if (wanted.max > old.max && !jail.prison.flags.allowRlimit) {
          return { errno: 'EPERM', reason: `raising the hard limit of ${name} is not allowed in a jail` };
        }
        prlimitAs(target, resource, wanted);
      }
      return { old };
    },
    sethostname: (name) => {
      if (!stillValid()) return { errno: 'ESRCH' };
      jail.inJailUts(() => sethostname(name.toString('latin1')));
      return { val: 0 };
    },
    killCaller: () => {
      try {
        const pidfd = pidfdOpen(call.pid, PIDFD_THREAD);
        try {
          pidfdSendSignal(pidfd, SIGKILL);
        } finally {
          close(pidfd);
        }
      } catch {}
    },
    shutdown: (reason) => {
      jail.shutdown(reason);
      return { sent: true };
    },
  };
}

/** The jail's own filter run on a synthetic call: the decision and its rule's reason. */
function evaluate(
  jail: ServedJail,
  auditArch: number,
  syscall: string,
  args: readonly bigint[],
): Decision & { reason?: string } {
  const nr = jail.numbers.get(auditArch)?.[syscall];
  if (nr === undefined) return { action: 'errno', errno: 'ENOSYS' };
  const padded = [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
  const { interpreter, notifyTable } = jail.policy();
  const action = interpreter.run({ nr, arch: auditArch, instructionPointer: 0n, args: padded }) >>> 0;
  return decisionOf(jail.spec, notifyTable, action);
}

/** The policy decision behind a filter verdict (a notify verdict carries its entry's index). */
function decisionOf(
  spec: SupervisedJailSpec,
  notifyTable: readonly NotifyEntry[],
  action: number,
): Decision & { reason?: string } {
  const kind = (action & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (kind === SECCOMP_RET_ALLOW) return { action: 'allow' };
  if (kind === SECCOMP_RET_USER_NOTIF) {
    const entry = notifyTable[action & SECCOMP_RET_DATA];
    if (entry) return { ...entry.decision, reason: entry.rule?.reason };
  }
  if (kind === SECCOMP_RET_ERRNO) {
    const errno = action & SECCOMP_RET_DATA;
    const name = errnoNameIn(spec.errno, errno) ?? 'EPERM';
    return { action: 'errno', errno: name };
  }
  return { action: 'kill' };
}

/** The name of an errno number in the jail's emulation, if it has one. */
export function errnoNameIn(errno: Readonly<Record<string, number>>, n: number): string | undefined {
  return Object.keys(errno).find((k) => errno[k] === n);
}

/** listen(2): a never-bound inet socket is first bound to the jail's address, then listened on. */
function listenOn(
  jail: ServedJail,
  withCallerFd: HandlerContext['withCallerFd'],
  fd: number,
  backlog: number,
): Reply {
  const reply = withCallerFd(fd, (sock): Reply => {
    const name = getsockname(sock);
    if (
      (name.family === AF_INET || name.family === AF_INET6) &&
      'port' in name &&
      name.port === 0 &&
      (name.address === '0.0.0.0' || name.address === '::')
    ) {
      const family = name.family;
      const address = family === AF_INET ? jail.prison.ipv4[0] : jail.prison.ipv6[0];
      if (!address) return { errno: 'EADDRNOTAVAIL', reason: 'no jail address of this family' };
      bind(sock, { family, address, port: 0 });
    }
    listen(sock, backlog);
    return { val: 0 };
  });
  return reply ?? { errno: 'ESRCH' };
}

/** socket(2) made by the jail's init, installed in the caller with SECCOMP_IOCTL_NOTIF_ADDFD. */
function socketInJail(
  jail: ServedJail,
  call: NotifiedCall,
  family: number,
  type: number,
  protocol: number,
  closeOnExec: boolean,
): Reply {
  const { controlFd, initPidfd } = jail.spec;
  sendInitMessage(controlFd, { op: 'S', a: family, b: type, c: protocol });
  for (;;) {
    const msg = receiveInitMessage(controlFd);
    if (!msg) return { errno: 'ENOSYS' };
    if (msg.op !== 'S') {
      jail.deferred.push(msg);
      continue;
    }
    if (msg.a !== 0) return { errno: errnoName(msg.a) };
    let ours: number;
    try {
      ours = pidfdGetfd(initPidfd, msg.b, 0);
    } finally {
      sendInitMessage(controlFd, { op: 'C', a: 0, b: msg.b, c: 0 });
    }
    try {
      jail.listener.addFd(call.id, ours, { send: true, cloexec: closeOnExec });
      return { sent: true };
    } finally {
      close(ours);
    }
  }
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
