// The supervisor's side of jexec: a unix socket per jail, root only. A request's stdio is taken from the
// client with pidfd_getfd (after checking its credentials), handed to the supervisor thread, which sends
// it to the jail's init by SCM_RIGHTS ('E'); the init forks the command, so it has everything the jail has.

import type { EventEmitter } from 'node:events';
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import {
  AF_UNIX,
  bind,
  canWatchFds,
  close,
  DEVPTS_SUPER_MAGIC,
  errnoName,
  fstat,
  fstatfs,
  listen,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  open,
  openat2,
  peerCredentials,
  peerPidfd,
  pidfdGetfd,
  pidfdOpen,
  pipe2,
  RESOLVE_IN_ROOT,
  RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SyscallError,
  socket,
  type Watch,
  watchReadable,
} from '@sysjail/systrace-bindings';
import { hostPidOf } from '../process/host-pid.js';
import { encodeExec, MAX_EXEC_PAYLOAD } from '../supervisor/init-channel.js';
import type { FromSupervisor, ToSupervisor } from '../supervisor/protocol.js';
import { type JexecRequest, type JexecServerMessage, MAX_REQUEST_BYTES } from './protocol.js';

/** What the server sends to the supervisor thread: the supervisor's 'exec' without its jid, with its fds. */
export type JexecExec = Omit<Extract<ToSupervisor, { type: 'exec' }>, 'type' | 'jid' | 'fds'> & {
  readonly fds: readonly [number, number, number];
};

export interface JexecServerOptions {
  readonly jid: number;
  readonly socketPath: string;
  /** Emits 'supervisor' (FromSupervisor) for this jail: 'spawned' and 'exit' answer our tags. */
  readonly jail: EventEmitter;
  /** Sends an 'exec' to the supervisor thread, which owns (and closes) the fds from then on. */
  readonly exec: (msg: JexecExec) => Promise<void>;
  /** cgroup.procs of the jail, to find a command's host pid (signals). */
  readonly cgroupProcs: string;
  /** The jail's root as this process reaches it (/proc/INITPID/root): its devpts, for terminals. */
  readonly jailRoot: string;
  /** The compiled filter of a named sub-policy of the jail, if it has one by that name. */
  readonly subPolicy?: (name: string) => Uint8Array | undefined;
  /** The filters of the jail's tightened rules (jail.change({ rules })): every command stacks them. */
  readonly stackedFilters?: () => readonly Uint8Array[];
}

export interface JexecServer {
  readonly socketPath: string;
  /** Stops listening, removes the socket, tells every waiting client the jail is gone. */
  close(): Promise<void>;
}

const SIGKILL = 9;
const SIGHUP = 1;

interface Session {
  readonly socket: Socket;
  jailPid?: number;
  hostPid?: number;
  ended: boolean;
}

/** Starts listening on options.socketPath (mode 0600, a stale socket replaced). */
export async function startJexecServer(options: JexecServerOptions): Promise<JexecServer> {
  const sessions = new Map<number, Session>();
  let nextTag = 0;

  const send = (s: Session, msg: JexecServerMessage) => {
    if (!s.socket.destroyed) s.socket.write(`${JSON.stringify(msg)}\n`);
  };
  const fail = (socket: Socket, code: string, message: string) => {
    socket.end(`${JSON.stringify({ type: 'error', code, message } satisfies JexecServerMessage)}\n`);
  };

  const onSupervisor = (msg: FromSupervisor) => {
    if (msg.type !== 'spawned' && msg.type !== 'exit') return;
    const s = sessions.get(msg.tag);
    if (!s) return;
    if (msg.type === 'spawned') {
      if (msg.errno !== 0) {
        sessions.delete(msg.tag);
        const name = errnoName(msg.errno);
        fail(s.socket, name, `cannot start the command in jail ${options.jid}: ${name}`);
        return;
      }
      s.jailPid = msg.pid;
      s.hostPid = hostPidOf(options.cgroupProcs, msg.pid);
      send(s, { type: 'started', pid: msg.pid, ...(s.hostPid ? { hostPid: s.hostPid } : {}) });
    } else {
      sessions.delete(msg.tag);
      s.ended = true;
      send(s, { type: 'exit', status: msg.status });
      s.socket.end();
    }
  };
  options.jail.on('supervisor', onSupervisor);

  const signal = (s: Session, sig: number) => {
    if (s.ended || !s.hostPid || !Number.isInteger(sig) || sig <= 0 || sig > 64) return;
    try {
      process.kill(-s.hostPid, sig); // its process group: the init made it a session leader
    } catch {
      try {
        process.kill(s.hostPid, sig);
      } catch {}
    }
  };

  const handle = (socket: Socket, line: string, session: { s?: Session }) => {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return fail(socket, 'EINVAL', 'bad request: not JSON');
    }
    const m = msg as { type?: unknown };
    if (m.type === 'signal' && session.s) return signal(session.s, (msg as { signal: number }).signal);
    if (m.type !== 'exec' || session.s) return fail(socket, 'EINVAL', 'bad request');
    const request = msg as JexecRequest;
    const problem = checkRequest(request);
    if (problem) return fail(socket, 'EINVAL', `bad request: ${problem}`);
    const argv = request.argv;
    const env = request.env && Object.entries(request.env).map(([k, v]) => `${k}=${v}`);
    const filter = request.subPolicy === undefined ? undefined : options.subPolicy?.(request.subPolicy);
    if (request.subPolicy !== undefined && !filter)
      return fail(socket, 'EINVAL', `jail ${options.jid} has no sub-policy ${request.subPolicy}`);
    const filters = [...(options.stackedFilters?.() ?? []), ...(filter ? [filter] : [])];
    if (encodeExec(argv, env, request.cwd, false, filters).length > MAX_EXEC_PAYLOAD)
      return fail(socket, 'E2BIG', 'command too long');
    let fds: [number, number, number];
    try {
      fds = takeClientFds(socket, request.fds);
      try {
        checkJailStdio(fds, options.jailRoot);
      } catch (e) {
        for (const fd of fds) close(fd);
        throw e;
      }
    } catch (e) {
      const code = e instanceof SyscallError ? e.errnoName : 'EPERM';
      return fail(socket, code, (e as Error).message);
    }
    const tag = ++nextTag;
    const s: Session = { socket, ended: false };
    session.s = s;
    sessions.set(tag, s);
    options
      .exec({
        tag,
        argv,
        env,
        cwd: request.cwd,
        ...(request.underLoader ? { underLoader: true } : {}),
        ...(filters.length > 0 ? { filters } : {}),
        uid: request.uid,
        gid: request.gid,
        fds,
      })
      .catch((e: Error) => {
        sessions.delete(tag);
        fail(socket, 'ESRCH', `jail ${options.jid}: ${e.message}`);
      });
  };

  const onConnection = (socket: Socket) => {
    const session: { s?: Session } = {};
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) {
        buffered = '';
        return fail(socket, 'E2BIG', 'request too large');
      }
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        handle(socket, line, session);
      }
    });
    socket.on('error', () => {});
    // The client went away before its command ended: hang the command up, as a terminal would.
    socket.on('close', () => {
      if (session.s && !session.s.ended) signal(session.s, SIGHUP);
    });
  };

  // The socket is made, bound and listening here; node's server takes it over when the first client
  // connects (on the main thread; at once on another): net.Server's listen loads node:cluster and
  // node:child_process, 2-2.5 ms of a jail command's start that no jexec may ever use.
  try {
    unlinkSync(options.socketPath);
  } catch {}
  const listening = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK);
  try {
    bind(listening, { family: AF_UNIX, path: options.socketPath });
    chmodSync(options.socketPath, 0o600);
    listen(listening, 511);
  } catch (e) {
    close(listening);
    throw e;
  }
  let server: Server | undefined;
  let waiting: Watch | undefined;
  const serve = () => {
    waiting?.stop();
    waiting = undefined;
    if (server) return;
    server = createServer(onConnection);
    server.on('error', () => {});
    server.listen({ fd: listening });
    server.unref();
  };
  if (canWatchFds()) waiting = watchReadable(listening, serve, { ref: false });
  else serve();

  let closed = false;
  return {
    socketPath: options.socketPath,
    async close() {
      if (closed) return;
      closed = true;
      options.jail.off('supervisor', onSupervisor);
      // The jail is gone, and every process in it was killed with its PID namespace.
      for (const s of sessions.values()) {
        s.ended = true;
        send(s, { type: 'exit', status: SIGKILL, jailGone: true });
        s.socket.end();
      }
      sessions.clear();
      waiting?.stop();
      waiting = undefined;
      const open = server;
      if (open) await new Promise<void>((resolve) => open.close(() => resolve()));
      else close(listening);
      try {
        unlinkSync(options.socketPath);
      } catch {}
    },
  };
}

function checkRequest(r: JexecRequest): string | undefined {
  const isId = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 2 ** 31 - 1;
  const clean = (s: unknown) => typeof s === 'string' && !s.includes('\0');
  if (!Array.isArray(r.argv) || r.argv.length === 0 || !r.argv.every(clean)) return 'argv';
  if (r.argv[0] === '') return 'empty command';
  if (!isId(r.uid) || !isId(r.gid)) return 'uid/gid';
  if (!Array.isArray(r.fds) || r.fds.length !== 3 || !r.fds.every((fd) => Number.isInteger(fd) && fd >= 0)) {
    return 'fds';
  }
  if (r.env !== undefined) {
    if (typeof r.env !== 'object' || r.env === null) return 'env';
    for (const [k, v] of Object.entries(r.env))
      if (!clean(k) || k === '' || k.includes('=') || !clean(v)) return 'env';
  }
  if (r.cwd !== undefined && !clean(r.cwd)) return 'cwd';
  if (r.underLoader !== undefined && typeof r.underLoader !== 'boolean') return 'underLoader';
  if (r.subPolicy !== undefined && (typeof r.subPolicy !== 'string' || !clean(r.subPolicy)))
    return 'subPolicy';
  return undefined;
}

/**
 * The client's stdin, stdout and stderr, duplicated from its process: only for a root peer, through a
 * pidfd of the peer (SO_PEERPIDFD, no pid reuse race; SO_PEERCRED's pid on older kernels). A descriptor
 * the client does not have becomes a pipe with nothing at the other end (end of file, or EPIPE).
 */
function takeClientFds(socket: Socket, wanted: readonly number[]): [number, number, number] {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0) throw new Error('no descriptor for the connection');
  const cred = peerCredentials(fd);
  if (cred.uid !== 0) throw new Error(`permission denied: uid ${cred.uid} is not root`);
  let pidfd: number;
  try {
    pidfd = peerPidfd(fd);
  } catch {
    pidfd = pidfdOpen(cred.pid);
  }
  const got: number[] = [];
  try {
    for (const [i, n] of wanted.entries()) {
      try {
        got.push(pidfdGetfd(pidfd, n));
      } catch (e) {
        if (!(e instanceof SyscallError) || e.errnoName !== 'EBADF') throw e;
        const [r, w] = pipe2(O_CLOEXEC);
        close(i === 0 ? w : r);
        got.push(i === 0 ? r : w);
      }
    }
  } catch (e) {
    for (const g of got) close(g);
    throw e;
  } finally {
    close(pidfd);
  }
  return got as [number, number, number];
}

const PIPEFS_MAGIC = 0x50495045;

/**
 * The command's stdio must be the jail's own: pipes (the client relays its own descriptors through
 * them) or a terminal of the jail's devpts. A file, directory, socket or terminal of the host would give
 * jailed root a host object (chmod it, open the host through it, connect it, drive the terminal).
 */
function checkJailStdio(fds: readonly number[], jailRoot: string): void {
  let jailPts: bigint | undefined;
  for (const fd of fds) {
    const type = fstatfs(fd).type;
    if (type === PIPEFS_MAGIC) continue;
    if (type === DEVPTS_SUPER_MAGIC) {
      jailPts ??= devOf(jailRoot, 'dev/pts');
      if (fstat(fd).dev === jailPts) continue;
    }
    throw new JexecStdioError();
  }
}

class JexecStdioError extends Error {
  constructor() {
    super("permission denied: the command's stdio must be pipes or a terminal of the jail (relay them)");
  }
}

function devOf(root: string, path: string): bigint | undefined {
  let rootFd: number | undefined;
  let fd: number | undefined;
  try {
    rootFd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    fd = openat2(
      rootFd,
      path,
      O_PATH | O_CLOEXEC,
      0,
      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    );
    return fstat(fd).dev;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) close(fd);
    if (rootFd !== undefined) close(rootFd);
  }
}
