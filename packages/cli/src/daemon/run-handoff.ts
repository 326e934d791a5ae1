// The supervisor's side of the hand-off (handoff-client.ts): it starts and keeps the jail of a command
// that jail(8) or sysjail(1) would have started itself, relaying that process's stdio, passing on its
// signals and sending back its status. Taken only when the result is the jail the client would have
// made: a client confined or placed apart from this process (caller-context.ts, the proof), another
// SYSJAIL_* setting, a form other than a jail of a command, a terminal, or anything the client would
// refuse is given back before anything starts, and the client starts the jail itself.
import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { type Emulation, type Jail, type Registry, startJail } from '@sysjail/core';
import { isTerminal, peerCredentials, peerPidfd, pidfdGetfd } from '@sysjail/systrace-bindings';
import { checkNameFree, commandJailOptions } from '../commands/jail-command.js';
import { isManageCommand } from '../commands/jail-manage-args.js';
import { type JailTool, parseJailArgs } from '../config/index.js';
import { countersFileOf, keepCountersFile } from '../counters-file.js';
import { exitStatusOfJail, undoFailureLines } from '../exit-status.js';
import { callerMismatch } from './caller-context.js';
import { FORWARDED_SIGNALS, type RunReply, type RunRequest } from './protocol.js';
import type { SupervisorProof } from './supervisor-proof.js';

/** The signals a client may pass on. */
const FORWARDED: ReadonlySet<string> = new Set(FORWARDED_SIGNALS);

export interface RunHost {
  readonly emulations: readonly Emulation[];
  readonly registry: Registry;
  readonly proof: SupervisorProof;
  /** Keeps a started jail among the supervisor's until it ends. */
  adopt(jail: Jail, stopCounters: () => void): void;
}

class GiveBack extends Error {}

/** How long a peer may hold a connection after its last reply (to read it, and end its side). */
export const LINGER_MS = 10_000;

/**
 * Sends the last line of a connection and ends it: what the peer still sends is read and dropped (a
 * peer that is still writing gets no EPIPE before it has read the line), and the connection is cut off
 * after LINGER_MS whether or not the peer ends its side, so a peer that never does holds nothing.
 */
export function endConnection(conn: Socket, line: string, written?: () => void): void {
  conn.removeAllListeners('data');
  conn.resume();
  conn.setTimeout(0);
  conn.end(line, written);
  const cut = setTimeout(() => conn.destroy(), LINGER_MS);
  cut.unref();
  conn.once('close', () => clearTimeout(cut));
}

/**
 * A connection's peer as the hand-off needs it: a pidfd of it (SO_PEERPIDFD: the process that connected,
 * never another that got its pid) and the first attribute it differs from this process in. Read as it
 * connects, while its request is on its way. Closed by whoever holds it last (close() is idempotent).
 */
export class RunCaller {
  private constructor(
    private pidfd: number | undefined,
    readonly apart: string | undefined,
  ) {}

  static of(fd: number): RunCaller {
    let pidfd: number | undefined;
    try {
      pidfd = peerPidfd(fd);
      return new RunCaller(pidfd, callerMismatch(peerCredentials(fd).pid, pidfd));
    } catch (e) {
      if (pidfd !== undefined) closeSync(pidfd);
      return new RunCaller(undefined, `peer: ${(e as Error)?.message ?? e}`);
    }
  }

  /** A duplicate of the caller's descriptor `n` (pidfd_getfd). */
  getfd(n: number): number {
    if (this.pidfd === undefined) throw new Error('no pidfd');
    return pidfdGetfd(this.pidfd, n);
  }

  close(): void {
    if (this.pidfd !== undefined) closeSync(this.pidfd);
    this.pidfd = undefined;
  }
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** SYSJAIL_DEBUG changes only what the tool prints (its client says why a jail was given back). */
const PRINTING_ONLY = new Set(['SYSJAIL_DEBUG']);

/** The first SYSJAIL_* variable set otherwise in `env` than in this process's environment. */
function settingApart(env: Readonly<Record<string, string>>): string | undefined {
  const names = new Set([...Object.keys(env), ...Object.keys(process.env)]);
  for (const name of names) {
    if (PRINTING_ONLY.has(name)) continue;
    if (name.startsWith('SYSJAIL_') && env[name] !== process.env[name]) return name;
  }
  return undefined;
}

/**
 * Serves one `run` request on `conn` (its peer `caller`, already checked to be uid 0; closed here), `rest`
 * what the client sent after the request line. Resolves once the connection is done with.
 */
export async function serveRun(
  host: RunHost,
  conn: Socket,
  caller: RunCaller,
  request: RunRequest,
  rest: string,
): Promise<void> {
  const send = (reply: RunReply) => conn.write(`${JSON.stringify(reply)}\n`);
  /** Signals not yet passed on (before the jail runs): each once, as the kernel keeps a pending one. */
  const signals = new Set<string>();
  let jail: Jail | undefined;
  let input = rest;
  let gone = false;
  const take = () => {
    for (let nl = input.indexOf('\n'); nl >= 0; nl = input.indexOf('\n')) {
      let signal: unknown;
      try {
        // any JSON value may come: null, a number, an array (a line that is no object names no signal)
        signal = (JSON.parse(input.slice(0, nl)) as { signal?: unknown } | null)?.signal;
      } catch {}
      input = input.slice(nl + 1);
      if (typeof signal === 'string' && FORWARDED.has(signal)) signals.add(signal);
    }
    if (input.length > 4096) input = '';
    if (!jail) return;
    for (const sig of signals) jail.signalInit(constants.signals[sig as NodeJS.Signals]);
    signals.clear();
  };
  conn.on('data', (d: string) => {
    input += d;
    take();
  });
  // The client's end is jail(8)'s death: the jail ends with it, as its init's parent-death signal would.
  // (The server is half-open: a dead client's socket ends without closing.)
  const clientGone = new Promise<void>((resolve) => {
    conn.once('end', resolve);
    conn.once('close', resolve);
  });
  void clientGone.then(() => {
    gone = true;
    void jail?.stop();
  });
  take();

  const held: Held = { stdio: [] };
  let printJid = false;
  try {
    let options: ReturnType<typeof commandJailOptions>;
    try {
      ({ options, printJid } = takeable(host, caller, request, held));
    } catch (e) {
      throw e instanceof GiveBack ? e : new GiveBack((e as Error)?.message ?? String(e));
    }
    if (gone) throw new GiveBack('client gone');
    send({ accepted: true });
    try {
      jail = await startJail({
        ...options,
        registry: host.registry,
        countersPath: (jid) => countersFileOf(jid),
        stdio: held.stdio as [number, number, number],
      });
    } catch (e) {
      // startJail undid every stage before the go: nothing ran, the client may start the jail itself.
      throw new GiveBack((e as Error)?.message ?? String(e));
    }
  } catch (e) {
    if (!(e instanceof GiveBack)) throw e;
    endConnection(conn, `${JSON.stringify({ back: e.message } satisfies RunReply)}\n`);
    return;
  } finally {
    for (const f of held.stdio) closeSync(f);
    caller.close();
  }
  const started = jail;
  try {
    host.adopt(started, keepCountersFile(host.registry, started, undefined, undefined, true));
  } catch (e) {
    // The command may have run: the jail ends before its client is told it failed (never given back).
    await started.stop();
    throw e;
  }
  if (gone) void started.stop();
  // -i: the JID once the jail runs (a line the client needs only then).
  if (printJid) send({ started: started.jid, stdout: `${started.jid}\n` });
  take();
  const exit = await started.exited;
  const stderr = undoFailureLines(request.tool, exit).join('');
  const reply: RunReply = { exit: exitStatusOfJail(exit, constants.signals), ...(stderr ? { stderr } : {}) };
  endConnection(conn, `${JSON.stringify(reply)}\n`);
}

/** What takeable took from the client (closed by serveRun either way). */
interface Held {
  readonly stdio: number[];
}

/**
 * The startJail options of the request, when this supervisor may start the jail for its client; throws
 * GiveBack (why) when not. The client's stdio is put in `held`, for the caller to close.
 */
function takeable(
  host: RunHost,
  caller: RunCaller,
  request: RunRequest,
  held: Held,
): { options: ReturnType<typeof commandJailOptions>; printJid: boolean } {
  const { tool, argv, env } = request;
  if ((tool !== 'jail' && tool !== 'sysjail') || !isStrings(argv) || typeof env !== 'object' || env === null)
    throw new GiveBack('malformed request');
  if (!isStrings(Object.values(env))) throw new GiveBack('malformed request');
  if (!host.proof.matches(request.proof)) throw new GiveBack('proof');
  const setting = settingApart(env);
  if (setting !== undefined) throw new GiveBack(`environment: ${setting}`);
  if (caller.apart !== undefined) throw new GiveBack(`caller: ${caller.apart}`);
  if (tool === 'jail' && isManageCommand(argv)) throw new GiveBack('form');
  const config = parseJailArgs(tool as JailTool, argv, { euid: 0 });
  if (config.kind !== 'start' || config.background) throw new GiveBack('form');
  checkNameFree(host.registry, config.prison.name);
  for (const n of [0, 1, 2]) held.stdio.push(caller.getfd(n));
  // A terminal stays with jail(8): it sizes and restores the terminal, and is its job-control process.
  if (config.terminal === 'force' || held.stdio.some((f) => isTerminal(f))) throw new GiveBack('terminal');
  return { options: commandJailOptions(config, host.emulations, env), printJid: config.printJid };
}
