// The client side of jexec: asks a jail's supervisor (over <registry dir>/<jid>.sock) to run a command
// in the jail with this process's stdio, and reports how it ended.
import { connect } from 'node:net';
import { constants } from 'node:os';
import { close } from '@sysjail/systrace-bindings';
import { decodeWaitStatus } from '../process/wait-status.js';
import type { JailRecord } from '../registry/jail-record.js';
import { isSameProcess } from '../registry/process-start-time.js';
import { defaultRegistryDir } from '../registry/run-dir.js';
import { JailStdio, type TerminalMode } from '../stdio/jail-stdio.js';
import { JexecRefusedError, JexecUnavailableError, JexecUnknownUserError } from './errors.js';
import { lookupPasswdUser, type PasswdUser } from './passwd-user.js';
import type { JexecRequest, JexecServerMessage } from './protocol.js';
import { jexecSocketPath } from './socket-path.js';

export interface ExecInJailOptions {
  readonly record: JailRecord;
  readonly command: readonly string[];
  /** Run as this user (name or uid): looked up on the host (jexec -u) or in the jail (userInJail, -U). */
  readonly user?: string;
  readonly userInJail?: boolean;
  /** A login-like environment (HOME, SHELL, TERM, USER, LOGNAME, PATH only), started in HOME (-l). */
  readonly cleanEnvironment?: boolean;
  /** The registry directory the jail is recorded in (default: the run dir's). */
  readonly registryDir?: string;
  /**
   * This process's stdin, stdout, stderr for the command (default 0, 1, 2): relayed through pipes and
   * a terminal of the jail's devpts, never handed to the jail.
   */
  readonly stdio?: readonly [number, number, number];
  /** Run the command under the jail's program loader (an emulation's, given at the jail's start). */
  readonly underLoader?: boolean;
  /**
   * Run the command, and so every process it starts, under this named sub-policy of the jail
   * (JailOptions.subPolicies): a stricter filter stacked on the jail's, installed before exec.
   */
  readonly subPolicy?: string;
  /** A terminal for the command: when stdin is one ('auto', default), always ('force'), never. */
  readonly terminal?: TerminalMode;
}

export interface JailExecExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** 'exited': the command ended; 'jail-gone': the jail ended first; 'supervisor': its supervisor is gone. */
  readonly reason: 'exited' | 'jail-gone' | 'supervisor';
}

/** A command running in a jail. */
export interface JailExec {
  /** Its pid inside the jail. */
  readonly pid: number;
  /** Its pid on the host, when the supervisor found it. */
  readonly hostPid?: number;
  readonly exited: Promise<JailExecExit>;
  /** Sends a signal to the command's process group (through the supervisor). */
  kill(signal?: NodeJS.Signals | number): void;
}

const LOGIN_PATH = '/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin';
/** The user to run as: root by default; a uid without a passwd entry is taken as uid and gid. */
function resolveUser(options: ExecInJailOptions): PasswdUser {
  if (options.user === undefined) {
    // Root's home and shell matter only for a login environment (-l): otherwise the jail's passwd is
    // not read at all.
    return (
      (options.cleanEnvironment ? lookupPasswdUser(options.record.path, 0) : undefined) ?? {
        name: 'root',
        uid: 0,
        gid: 0,
        home: '/',
        shell: '/bin/sh',
      }
    );
  }
  const found = lookupPasswdUser(options.userInJail ? options.record.path : '/', options.user);
  if (found) return found;
  if (/^[0-9]+$/.test(options.user)) {
    const id = Number(options.user);
    return { name: options.user, uid: id, gid: id, home: '/', shell: '/bin/sh' };
  }
  throw new JexecUnknownUserError(options.user, options.userInJail ? 'jail' : 'host');
}

/**
 * Runs `command` in the jail of `record`, as its own processes run: same root, namespaces, hostname,
 * seccomp filter and supervisor (the jail's init forks it). Resolves once it runs.
 */
/** Like FreeBSD's jexec: the caller's environment goes in, PATH made sure of. */
function callerEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && k !== '' && !k.includes('=')) env[k] = v;
  env.PATH ??= LOGIN_PATH;
  return env;
}

export function execInJail(options: ExecInJailOptions): Promise<JailExec> {
  const { record } = options;
  const user = resolveUser(options);
  const stdio = new JailStdio(options.stdio ?? [0, 1, 2], options.terminal ?? 'auto');
  let fds: [number, number, number];
  let terminal: number | undefined;
  try {
    fds = [...stdio.jailSide];
    if (stdio.usesTerminal) {
      // The command's terminal, in the jail's own devpts, reached through its init's root.
      if (!isSameProcess(record.initPid ?? 0, record.initStartTime)) throw new Error('its init is gone');
      const t = stdio.openTerminal(`/proc/${record.initPid}/root`);
      terminal = t;
      fds = fds.map((fd, i) => (stdio.onTerminal[i] ? t : fd)) as [number, number, number];
      if (!isSameProcess(record.initPid ?? 0, record.initStartTime)) throw new Error('its init is gone');
    }
  } catch (e) {
    stdio.discard();
    if (terminal !== undefined) closeQuietly(terminal);
    return Promise.reject(new JexecUnavailableError(record.jid, (e as Error).message));
  }
  // The server has taken its copies (or refused): ours go.
  const handedOver = () => {
    stdio.closeJailSide();
    if (terminal !== undefined) closeQuietly(terminal);
    terminal = undefined;
  };
  const request: JexecRequest = {
    type: 'exec',
    argv: options.command.length > 0 ? options.command : ['/bin/sh'],
    uid: user.uid,
    gid: user.gid,
    fds,
    ...(options.underLoader ? { underLoader: true } : {}),
    ...(options.subPolicy === undefined ? {} : { subPolicy: options.subPolicy }),
    ...(options.cleanEnvironment
      ? {
          env: {
            HOME: user.home,
            SHELL: user.shell,
            ...(process.env.TERM ? { TERM: process.env.TERM } : {}),
            USER: user.name,
            LOGNAME: user.name,
            PATH: LOGIN_PATH,
          },
          cwd: user.home,
        }
      : { env: callerEnvironment(), cwd: '/' }),
  };
  const path = jexecSocketPath(options.registryDir ?? defaultRegistryDir(), record.jid);

  return new Promise<JailExec>((resolveStart, rejectStart) => {
    let started = false;
    let resolveExit: (e: JailExecExit) => void = () => {};
    const exited = new Promise<JailExecExit>((r) => {
      resolveExit = r;
    });
    let exit: JailExecExit | undefined;
    const socket = connect(path);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      stdio.start();
      socket.write(`${JSON.stringify(request)}\n`);
    });
    let buffered = '';
    const onMessage = (msg: JexecServerMessage) => {
      if (msg.type === 'started' && !started) {
        started = true;
        handedOver();
        resolveStart({
          pid: msg.pid,
          ...(msg.hostPid ? { hostPid: msg.hostPid } : {}),
          exited,
          kill(signal: NodeJS.Signals | number = 'SIGTERM') {
            const n = typeof signal === 'number' ? signal : constants.signals[signal];
            if (exit || socket.destroyed || n === undefined) return;
            socket.write(`${JSON.stringify({ type: 'signal', signal: n })}\n`);
          },
        });
      } else if (msg.type === 'error' && !started) {
        handedOver();
        void stdio.finish(false);
        rejectStart(new JexecRefusedError(msg.code, msg.message));
        socket.destroy();
      } else if (msg.type === 'exit' && started) {
        exit = { ...decodeWaitStatus(msg.status), reason: msg.jailGone ? 'jail-gone' : 'exited' };
      }
    };
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          onMessage(JSON.parse(line) as JexecServerMessage);
        } catch {}
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (started) return;
      const reason =
        e.code === 'ENOENT'
          ? 'no jexec socket'
          : e.code === 'ECONNREFUSED'
            ? 'nothing listens on its socket'
            : e.message;
      handedOver();
      void stdio.finish(false);
      rejectStart(new JexecUnavailableError(record.jid, reason));
    });
    socket.on('close', () => {
      if (!started) {
        handedOver();
        void stdio.finish(false);
        rejectStart(new JexecUnavailableError(record.jid, 'the supervisor closed the connection'));
        return;
      }
      // What the command wrote is in the pipes (its terminal: until quiet): relay it, then report.
      const ended = exit;
      void stdio.finish(false).finally(() =>
        // Without an exit line the supervisor died: the jail (PR_SET_PDEATHSIG) and the command with it.
        resolveExit(ended ?? { code: null, signal: 'SIGKILL', reason: 'supervisor' }),
      );
    });
  });
}

function closeQuietly(fd: number): void {
  try {
    close(fd);
  } catch {}
}
