// The shared supervisor: one long-running process that starts, keeps and removes the background and
// persistent jails of a host, each served by core's supervisor thread, without a thread or process
// per jail (each init is launched from its main thread). It exits once it has no jail left; if it dies,
// its jails die (their inits' parent-death signal is tied to its main thread; their control channels close).
import { closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { constants } from 'node:os';
import {
  type Emulation,
  type Jail,
  JailNameInUseError,
  type JailOptions,
  jailEnvironment,
  openRegistry,
  PrisonConfigError,
  prewarm,
  type Registry,
  startJail,
} from '@sysjail/core';
import { peerCredentials } from '@sysjail/systrace-bindings';
import { parseJailRef } from '../config/jail-name.js';
import { openConsoleLog } from '../console-log.js';
import { keepCountersFile } from '../counters-file.js';
import { chooseEmulation, jailEmulation, MIXED } from '../emulation-choice.js';
import { CliError, JailNotFoundError, NoEmulationError, UsageError } from '../errors.js';
import { CHANGEABLE } from '../jail-conf/jail-spec.js';
import {
  type BackgroundJailOptions,
  changedFields,
  type JailChange,
  type JailEnd,
  MAX_MESSAGE,
  type RunReply,
  type RunRequest,
  type SupervisorReply,
  type SupervisorRequest,
} from './protocol.js';
import { endConnection, RunCaller, type RunHost, serveRun } from './run-handoff.js';
import type { SupervisorProof } from './supervisor-proof.js';

/** FreeBSD's stop.timeout default. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
/** A supervisor started for a jail that never came exits after this long. */
const IDLE_EXIT_MS = 10_000;
/** A client has this long to send its whole request. */
const REQUEST_MS = 10_000;

interface Hosted {
  readonly jail: Jail;
  readonly name?: string;
  readonly stopCounters: () => void;
  /** The flags jail -m may change (sysjail.changeable). */
  readonly changeable: readonly string[];
}

type Failure = Extract<SupervisorReply, { ok: false }>;

function failure(code: string, message: string, exitStatus: number, extra: Partial<Failure> = {}): Failure {
  return { ok: false, code, message, exitStatus, ...extra };
}

/** A thrown error as a reply: the cli's own errors keep their code and status. */
function failureOf(e: unknown): Failure {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (c instanceof JailNameInUseError) {
      return failure('NAME_IN_USE', c.message, 1, { jid: c.jid, jailName: c.jailName });
    }
  }
  if (e instanceof CliError) return failure(e.code, e.message, e.exitStatus);
  if (e instanceof PrisonConfigError) return failure('BAD_JAIL', e.message, 2);
  return failure('FAILED', (e as Error)?.message ?? String(e), 1);
}

/** The line as a `run` request, if it is one. */
function parseRun(line: string): RunRequest | undefined {
  try {
    const r = JSON.parse(line) as RunRequest;
    return r?.op === 'run' ? r : undefined;
  } catch {
    return undefined;
  }
}

function kB(status: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+([0-9]+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : undefined;
}

export interface SupervisorDaemonOptions {
  readonly socket: string;
  readonly emulations: readonly Emulation[];
  readonly registry?: Registry;
  /** The proof a hand-off client must read (see supervisor-proof.ts); without one, no hand-off is taken. */
  readonly proof?: SupervisorProof;
  /** Called once the last jail is gone (and no request is in flight). */
  readonly onIdle: () => void;
}

export class SupervisorDaemon {
  private readonly jails = new Map<number, Hosted>();
  private readonly registry: Registry;
  private server?: Server;
  /** Requests being handled or answered. */
  private pending = 0;
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly options: SupervisorDaemonOptions) {
    this.registry = options.registry ?? openRegistry();
  }

  /** Listens on the control socket (mode 0600; each peer is checked to be uid 0). */
  listen(): Promise<void> {
    prewarm();
    const server = createServer({ allowHalfOpen: true }, (c) => this.accept(c));
    this.server = server;
    // Started for a request that never came: do not linger.
    this.idleTimer = setTimeout(() => this.exitIfIdle(), IDLE_EXIT_MS);
    this.idleTimer.unref();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const old = process.umask(0o177);
      server.listen(this.options.socket, () => {
        process.umask(old);
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Closes the socket; jails keep running until they end. */
  close(): void {
    this.server?.close();
    try {
      unlinkSync(this.options.socket);
    } catch {}
  }

  /** Stops every jail at once (SIGKILL): the supervisor's own SIGTERM. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.jails.values()].map((h) => h.jail.stop()));
  }

  get size(): number {
    return this.jails.size;
  }

  /**
   * No jail and no request in hand: the supervisor's work is done. (A connection that has not sent a
   * whole request holds nothing: its client sees the supervisor gone and starts another.)
   */
  private exitIfIdle(): void {
    if (this.jails.size === 0 && this.pending === 0) this.options.onIdle();
  }

  private accept(conn: Socket): void {
    clearTimeout(this.idleTimer);
    conn.on('error', () => {});
    const refuse = (f: Failure) => endConnection(conn, `${JSON.stringify(f)}\n`);
    const fd = (conn as unknown as { _handle?: { fd?: number } })._handle?.fd;
    let uid = -1;
    try {
      if (fd !== undefined) uid = peerCredentials(fd).uid;
    } catch {}
    if (uid !== 0) {
      refuse(failure('NOT_ROOT', 'the sysjail supervisor serves root only', 1));
      return;
    }
    // A hand-off's checks of its caller are made now, while its request is on its way.
    let caller = this.options.proof && fd !== undefined ? RunCaller.of(fd) : undefined;
    conn.once('close', () => caller?.close());
    // The request must arrive whole within REQUEST_MS (however slowly it trickles in); handling it then
    // takes what it takes.
    const deadline = setTimeout(() => conn.destroy(), REQUEST_MS);
    conn.once('close', () => clearTimeout(deadline));
    let input = '';
    /** Where the first line ends, once it has come (judged once, never parsed again). */
    let firstLine = -1;
    conn.setEncoding('utf8');
    const onData = (d: string) => {
      input += d;
      if (input.length > MAX_MESSAGE) {
        clearTimeout(deadline);
        refuse(failure('BAD_REQUEST', 'request too large', 1));
        return;
      }
      // A hand-off (`run`) is one line, and the connection stays open: the rest is the client's.
      if (firstLine >= 0) return;
      const nl = d.indexOf('\n'); // in the new piece only
      if (nl < 0) return;
      firstLine = input.length - d.length + nl;
      const line = parseRun(input.slice(0, firstLine));
      if (line === undefined) return;
      conn.off('data', onData);
      conn.off('end', onEnd);
      clearTimeout(deadline);
      const taken = caller;
      caller = undefined;
      if (taken === undefined || this.options.proof === undefined) {
        endConnection(
          conn,
          `${JSON.stringify({ back: 'this supervisor takes no hand-off' } satisfies RunReply)}\n`,
        );
        return;
      }
      this.serveRun(conn, taken, this.options.proof, line, input.slice(firstLine + 1));
    };
    const onEnd = () => {
      clearTimeout(deadline);
      let request: SupervisorRequest;
      try {
        request = JSON.parse(input) as SupervisorRequest;
      } catch {
        refuse(failure('BAD_REQUEST', 'malformed request', 1));
        return;
      }
      this.pending++;
      let answered = false;
      const done = () => {
        if (answered) return;
        answered = true;
        this.pending--;
        this.exitIfIdle();
      };
      this.handle(request)
        .catch(failureOf)
        .then((reply) => {
          // Counted until the answer is out (or the client gone): exiting must not cut it off.
          conn.once('close', done);
          endConnection(conn, `${JSON.stringify(reply)}\n`, done);
        });
    };
    conn.on('data', onData);
    conn.on('end', onEnd);
  }

  /** A hand-off: counted as a request until its connection is done with (its jail ended). */
  private serveRun(
    conn: Socket,
    caller: RunCaller,
    proof: SupervisorProof,
    request: RunRequest,
    rest: string,
  ): void {
    const host: RunHost = {
      emulations: this.options.emulations,
      registry: this.registry,
      proof,
      adopt: (jail, stopCounters) => this.adopt(jail, jail.prison.name, stopCounters, []),
    };
    this.pending++;
    serveRun(host, conn, caller, request, rest)
      .catch((e: unknown) => {
        endConnection(
          conn,
          `${JSON.stringify({ failed: (e as Error)?.message ?? String(e), status: 1 } satisfies RunReply)}\n`,
        );
      })
      .finally(() => {
        this.pending--;
        this.exitIfIdle();
      });
  }

  private handle(request: SupervisorRequest): Promise<SupervisorReply> {
    switch (request?.op) {
      case 'create':
        return this.create(request.options);
      case 'remove':
        return this.remove(request.jail, request.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
      case 'modify':
        return this.modify(request.jail, request.change, request.move);
      case 'status':
        return Promise.resolve(this.status());
      default:
        return Promise.resolve(
          failure('BAD_REQUEST', `unknown request ${JSON.stringify((request as { op?: unknown })?.op)}`, 1),
        );
    }
  }

  private find(ref: number | string): Hosted | undefined {
    const r = typeof ref === 'number' ? ref : parseJailRef(String(ref));
    for (const h of this.jails.values()) {
      if (typeof r === 'number' ? h.jail.jid === r : h.name === r) return h;
    }
    return undefined;
  }

  private notFound(ref: number | string): Failure {
    return failureOf(new JailNotFoundError(typeof ref === 'number' ? ref : parseJailRef(String(ref))));
  }

  private async create(options: BackgroundJailOptions): Promise<SupervisorReply> {
    const { prison, command, service } = options ?? {};
    if (!prison || typeof prison.path !== 'string' || !Array.isArray(command)) {
      return failure('BAD_REQUEST', 'create: a prison and a command are required', 2);
    }
    if (service ? command.length > 0 : command.length === 0) {
      return failure('BAD_REQUEST', service ? 'a service jail takes no command' : 'no command', 2);
    }
    // A program of an emulation with a loader runs under the native emulation's filter, by its loader.
    const { emulation, loader, underLoader, loaderBinfmt } = jailEmulation(
      this.options.emulations,
      this.emulationFor(options),
      options.emulation === MIXED,
    );
    const devNull = openSync('/dev/null', 'r+');
    let out: number | undefined;
    try {
      if (options.consoleLog !== undefined) {
        out = openConsoleLog(options.consoleLog);
      }
      const jailOptions: JailOptions & { service?: BackgroundJailOptions['service'] } = {
        prison,
        command,
        emulation,
        ...(loader === undefined ? {} : { loader, underLoader }),
        ...(loaderBinfmt === undefined ? {} : { loaderBinfmt }),
        registry: this.registry,
        env: options.env ?? jailEnvironment(),
        ...(typeof options.cwd === 'string' ? { cwd: options.cwd } : {}),
        stdio: [devNull, out ?? devNull, out ?? devNull],
        ...(options.user ? { user: options.user } : {}),
        ...(service ? { service } : {}),
        ...(Array.isArray(options.limits) ? { limits: options.limits } : {}),
        ...(Array.isArray(options.changeableFlags) ? { changeableFlags: options.changeableFlags } : {}),
        ...(options.subPolicies && typeof options.subPolicies === 'object'
          ? { subPolicies: options.subPolicies }
          : {}),
      };
      const jail = await startJail(jailOptions);
      this.adopt(
        jail,
        prison.name,
        keepCountersFile(this.registry, jail),
        Array.isArray(options.changeableFlags) ? [...options.changeableFlags] : [],
      );
      return { ok: true, jid: jail.jid, initPid: jail.initPid };
    } finally {
      closeSync(devNull);
      if (out !== undefined) closeSync(out);
    }
  }

  /** Keeps a started jail until it ends. */
  private adopt(jail: Jail, name: string | undefined, stopCounters: () => void, changeable: string[]): void {
    const hosted: Hosted = { jail, ...(name === undefined ? {} : { name }), stopCounters, changeable };
    this.jails.set(jail.jid, hosted);
    jail.exited.finally(() => {
      hosted.stopCounters();
      this.jails.delete(jail.jid);
      this.exitIfIdle();
    });
  }

  private emulationFor(options: BackgroundJailOptions): Emulation {
    const { emulations } = this.options;
    if (options.emulation !== undefined && options.emulation !== MIXED) {
      const e = emulations.find((x) => x.name === options.emulation);
      if (!e) throw new UsageError('UNKNOWN_EMULATION', `unknown emulation ${options.emulation}`);
      return e;
    }
    if (options.command.length > 0)
      return chooseEmulation(emulations, options.prison.path, options.command[0]);
    if (emulations.length === 0) throw new NoEmulationError();
    return emulations[0];
  }

  /** FreeBSD's removal without the hooks: SIGTERM to every process, stop.timeout, then SIGKILL. */
  private async remove(ref: number | string, timeoutMs: number): Promise<SupervisorReply> {
    const h = this.find(ref);
    if (!h) return this.notFound(ref);
    if (timeoutMs <= 0) return { ok: true, jid: h.jail.jid, exit: await h.jail.stop() };
    await h.jail.signal(constants.signals.SIGTERM);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), Math.max(0, timeoutMs));
    });
    const first = await Promise.race([h.jail.exited, timedOut]);
    clearTimeout(timer);
    const exit: JailEnd = first === 'timeout' ? await h.jail.stop() : first;
    return { ok: true, jid: h.jail.jid, exit };
  }

  /** jail -m: through core's runtime change of a running jail (`change`), when core has one. */
  private async modify(
    ref: number | string,
    change: JailChange,
    move?: { readonly pid: number; readonly subPolicy: string },
  ): Promise<SupervisorReply> {
    const h = this.find(ref);
    if (!h) return this.notFound(ref);
    const fields = changedFields(change ?? {});
    const apply = (h.jail as unknown as { change?: (c: JailChange) => Promise<unknown> }).change;
    if (typeof apply !== 'function') {
      return failure(
        'NOT_SUPPORTED',
        `jail ${h.jail.jid}: changing a running jail (${fields.join(', ') || 'nothing'}) is not supported by this build of sysjail's core`,
        1,
      );
    }
    // A flag is decided by the jail's seccomp filter, which cannot be replaced: only the flags the jail
    // was created changeable (sysjail.changeable) are routed to this supervisor and may change.
    for (const [flag, value] of Object.entries(change?.flags ?? {})) {
      if (h.jail.prison.flags[flag as keyof typeof h.jail.prison.flags] === value) continue;
      if (!h.changeable.includes(flag)) {
        const param = Object.keys(CHANGEABLE).find((k) => CHANGEABLE[k] === flag) ?? `flags.${flag}`;
        return failure(
          'NOT_CHANGEABLE',
          `${param}: cannot change while the jail runs (it was created without ${param} in sysjail.changeable)`,
          1,
        );
      }
    }
    const hostPid = move ? h.jail.hostPidOf(move.pid) : undefined;
    if (move && hostPid === undefined) {
      return failure('NO_SUCH_PROCESS', `jail ${h.jail.jid} has no process ${move.pid}`, 1);
    }
    await apply.call(h.jail, change);
    const killed = [...(change.rules === undefined ? [] : (h.jail.stacked.at(-1)?.result.killed ?? []))];
    if (move && hostPid !== undefined) {
      try {
        killed.push(...(await h.jail.moveToSubPolicy(hostPid, move.subPolicy)).killed);
      } catch (e) {
        // No such sub-policy, an i386 process, the init: refused, nothing moved (a runtime error).
        return failure('NOT_MOVED', (e as Error).message, 1);
      }
      fields.push('move');
    }
    return { ok: true, jid: h.jail.jid, modified: fields, ...(killed.length > 0 ? { killed } : {}) };
  }

  private status(): SupervisorReply {
    const status = readFileSync('/proc/self/status', 'utf8');
    let pssKb: number | undefined;
    try {
      pssKb = kB(readFileSync('/proc/self/smaps_rollup', 'utf8'), 'Pss');
    } catch {}
    return {
      ok: true,
      pid: process.pid,
      rssKb: kB(status, 'VmRSS') ?? 0,
      ...(pssKb === undefined ? {} : { pssKb }),
      jails: [...this.jails.values()].map((h) => ({
        jid: h.jail.jid,
        ...(h.name === undefined ? {} : { name: h.name }),
        initPid: h.jail.initPid,
      })),
    };
  }
}
