// Relay: one thread per process that moves bytes between descriptor pairs, so that a jailed program gets
// pipes or a terminal of its own while the caller's descriptors (files, terminals, sockets, directories)
// stay outside. A session's inputs (caller → program) stop when it finishes; outputs are read to their end.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { close, F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, fcntl, O_NONBLOCK, write } from '../file-descriptors.js';
import { pipe2 } from '../pipe.js';

export interface RelayPair {
  readonly from: number;
  readonly to: number;
  /** Copy with read/write from the start (splice needs a pipe on one side). */
  readonly copy?: boolean;
}

/** Messages to the relay thread. */
export type ToRelay =
  | {
      readonly type: 'add';
      readonly id: number;
      readonly inputs: readonly RelayPair[];
      readonly outputs: readonly RelayPair[];
      readonly idleMs: number;
      readonly callers: readonly number[];
    }
  | { readonly type: 'finish'; readonly id: number; readonly untilEnd: boolean };

export interface Relay {
  /** Resolves when every channel has ended and the session's descriptors are closed. */
  readonly done: Promise<void>;
  /**
   * Stops the inputs. `untilEnd`: read the outputs until end of file (every writer is gone);
   * otherwise until they stay quiet for `idleMs` (0: what is there now).
   */
  finish(untilEnd: boolean): Promise<void>;
}

/** dist/relay/relay-worker.js, also when this module runs from src/ (tests). */
function workerUrl(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts')
    ? new URL('../../dist/relay/relay-worker.js', here)
    : new URL('./relay-worker.js', here);
}

interface RelayThread {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly wakeWrite: number;
  /** Messages posted, for the thread to know how many to wait for ([0]; [1] only to sleep on). */
  readonly sent: Int32Array;
  readonly sessions: Map<number, () => void>;
  /** Resolves when the thread has exited and its descriptors are closed. */
  readonly exited: Promise<void>;
  nextId: number;
}

let thread: RelayThread | undefined;

function relayThread(): RelayThread {
  if (thread) return thread;
  const [wakeRead, wakeWrite] = pipe2();
  const { port1, port2 } = new MessageChannel();
  const sent = new SharedArrayBuffer(8);
  const worker = new Worker(workerUrl(), {
    workerData: { port: port2, wakeFd: wakeRead, sent },
    transferList: [port2],
  });
  let resolveExited = () => {};
  const exited = new Promise<void>((resolve) => {
    resolveExited = resolve;
  });
  const t: RelayThread = {
    worker,
    exited,
    port: port1,
    wakeWrite,
    sent: new Int32Array(sent),
    sessions: new Map(),
    nextId: 0,
  };
  port1.on('message', (m: { type: 'done'; id: number }) => {
    t.sessions.get(m.id)?.();
    t.sessions.delete(m.id);
    if (t.sessions.size === 0) idle(t);
  });
  port1.unref();
  worker.on('exit', () => {
    if (thread === t) thread = undefined;
    close(wakeRead);
    close(wakeWrite);
    for (const resolve of t.sessions.values()) resolve();
    t.sessions.clear();
    resolveExited();
  });
  worker.on('error', (e) => {
    // Never expected: every session ends, and the next relay starts a new thread.
    process.emitWarning(`sysjail relay thread: ${(e as Error).message}`);
    for (const resolve of t.sessions.values()) resolve();
    t.sessions.clear();
    if (thread === t) thread = undefined;
  });
  thread = t;
  return t;
}

/**
 * Resolves once no relay thread runs: the last one has ended its sessions, exited and closed its
 * descriptors (a thread with sessions left keeps this waiting until they end).
 */
export async function relaysSettled(): Promise<void> {
  while (thread) await thread.exited;
}

/** Without sessions the thread (blocked in poll) does not keep the process alive. */
function idle(t: RelayThread): void {
  t.worker.unref();
  t.port.unref();
}

/**
 * Posts a message and wakes the thread; false when the thread has closed (it closes once it has no
 * session and no message on its way, marking the count -1).
 */
function send(t: RelayThread, msg: ToRelay): boolean {
  for (;;) {
    const n = Atomics.load(t.sent, 0);
    if (n < 0) return false;
    if (Atomics.compareExchange(t.sent, 0, n, n + 1) === n) break;
  }
  t.port.postMessage(msg);
  try {
    write(t.wakeWrite, Buffer.from('w'));
  } catch {} // the pipe is full of wake-ups already
  return true;
}

/**
 * Starts relaying. Inputs' `to` and outputs' `from` are the relay's from now on (made non-blocking,
 * closed when their channels end). The caller's descriptors are duplicated (the caller may close its
 * own at once) and never changed: no O_NONBLOCK, no close of theirs.
 */
export function startRelay(spec: {
  inputs: readonly RelayPair[];
  outputs: readonly RelayPair[];
  idleMs?: number;
}): Relay {
  const ours = [...spec.inputs.map((p) => p.to), ...spec.outputs.map((p) => p.from)];
  for (const fd of ours) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  const dups = new Map<number, number>();
  const dup = (fd: number) => {
    let d = dups.get(fd);
    if (d === undefined) {
      d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      dups.set(fd, d);
    }
    return d;
  };
  let inputs: RelayPair[];
  let outputs: RelayPair[];
  try {
    inputs = spec.inputs.map((p) => ({ ...p, from: dup(p.from) }));
    outputs = spec.outputs.map((p) => ({ ...p, to: dup(p.to) }));
  } catch (e) {
    for (const d of dups.values()) close(d);
    throw e;
  }
  let t: RelayThread;
  let id: number;
  let done: Promise<void>;
  for (;;) {
    t = relayThread();
    id = ++t.nextId;
    const tt = t;
    const sid = id;
    done = new Promise<void>((resolve) => tt.sessions.set(sid, resolve));
    t.worker.ref();
    t.port.ref();
    if (
      send(t, { type: 'add', id, inputs, outputs, idleMs: spec.idleMs ?? 0, callers: [...dups.values()] })
    ) {
      break;
    }
    t.sessions.delete(id);
    if (thread === t) thread = undefined; // closing: the next one starts afresh
  }
  let finished = false;
  return {
    done,
    finish(untilEnd) {
      if (!finished) {
        finished = true;
        send(t, { type: 'finish', id, untilEnd }); // false: the session has ended already
      }
      return done;
    },
  };
}
