// Relay: moves bytes between descriptor pairs so that a jailed program gets pipes or a terminal of its
// own while the caller's descriptors (files, terminals, sockets, directories) stay outside. It runs in
// the event loop of the thread that starts it: on the main thread the loop itself waits (libuv poll
// handles of the descriptors, made for each wait that finds nothing ready), on another thread poll(2)
// waits on libuv's thread pool (a koffi async call, one pool thread while any session lives); the
// transfers (splice(2); read/write where splice cannot: terminals; read/send(MSG_DONTWAIT) to a caller's
// socket and recv(MSG_DONTWAIT)/write from one, which splice would block on) run in the loop when poll says a
// descriptor is ready. No thread of its own, so a jail's start does not pay for one (nor, on the main
// thread, for the thread pool: its first use starts four threads and waits for them, 3 ms). A session's inputs (caller → program) stop when it finishes;
// outputs are read to their end.

import type { KoffiFunc } from 'koffi';
import { canWatchFds, type Watch, watchReadable } from '../fd-watch.js';
import {
  close,
  F_DUPFD_CLOEXEC,
  F_GETFL,
  F_SETFL,
  fcntl,
  O_CLOEXEC,
  O_NONBLOCK,
  read,
  write,
} from '../file-descriptors.js';
import { libcFunction } from '../libc.js';
import { pipe2, pipeBytes } from '../pipe.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, pollRaw } from '../poll.js';
import { recv } from '../socket.js';
import { SPLICE_F_MOVE, SPLICE_F_NONBLOCK, splice } from '../splice.js';
import { fstat, S_IFMT, S_IFSOCK } from '../stat.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL, sendWithFds } from '../unix-rights.js';

export interface RelayPair {
  readonly from: number;
  readonly to: number;
  /** Copy with read/write from the start (splice needs a pipe on one side). */
  readonly copy?: boolean;
}

export interface Relay {
  /** Resolves when every channel has ended and the session's descriptors are closed. */
  readonly done: Promise<void>;
  /**
   * Stops the inputs. `untilEnd`: read the outputs until end of file (every writer is gone);
   * otherwise until they stay quiet for `idleMs` (0: what is there now), all of it written out.
   */
  finish(untilEnd: boolean): Promise<void>;
}

const EAGAIN = 11;
const EINVAL = 22;
const EINTR = 4;
const CHUNK = 1 << 20;
const COPY_CHUNK = 64 * 1024;

interface Session {
  readonly idleMs: number;
  readonly channels: Channel[];
  /** The caller's descriptors (dups of theirs): closed when the session ends. */
  readonly callers: readonly number[];
  /** 'e': inputs stopped, outputs read to their end; 'd': outputs read until quiet for idleMs. */
  finishing?: 'e' | 'd';
  /** finish() asked for this; applied by the loop between two polls (never while a poll waits). */
  finishRequest?: 'e' | 'd';
  quietSince: number;
  readonly resolve: () => void;
}

interface Channel {
  readonly session: Session;
  readonly from: number;
  readonly to: number;
  readonly input: boolean;
  /** splice() refused this pair: copy through a buffer. */
  copy: boolean;
  /**
   * The destination is a caller's socket: copied and sent with MSG_DONTWAIT. The caller's description
   * may be blocking (and is never changed), and splice(2) to a socket blocks until all is taken: a
   * socket nobody reads would stop this thread's loop, and every session in it.
   */
  readonly send: boolean;
  /**
   * The source is a caller's socket: copied, received with MSG_DONTWAIT. tcp_splice_read waits on a
   * blocking description whatever splice's flags, so a socket another reader drained between the poll
   * and the transfer would stop this thread's loop until more came.
   */
  readonly recv: boolean;
  /** Bytes read but not yet written (copy mode). */
  pending?: Uint8Array;
  /** The destination took nothing: wait until it can take more. */
  full: boolean;
  ended: boolean;
}

/** The relay of this thread: its sessions, the pipe that wakes its poll, the loop while it runs. */
interface RelayLoop {
  readonly sessions: Set<Session>;
  /** Sessions started while the loop polls: taken in at its next turn. */
  readonly added: Session[];
  readonly wakeRead: number;
  readonly wakeWrite: number;
  readonly owned: Map<number, number>; // our descriptors and how many live channels use each
  /** The live channels and their struct pollfd[] (wake pipe first, then source and destination of
   * each): rebuilt only when a channel comes or goes, so that a wake-up allocates nothing. */
  live: Channel[];
  pollfds: Buffer;
  dirty: boolean;
  running: Promise<void>;
  /** The loop has ended and closed its wake pipe. */
  closed: boolean;
  /** Waits in this thread's loop (the main thread), not on the pool. */
  readonly inLoop: boolean;
}

// poll on the thread pool; the struct pollfd[] buffer is not touched by this thread until it returns.
const pollBlocking = libcFunction<KoffiFunc<(fds: Buffer, n: number, timeout: number) => number>>(
  'int poll(void *fds, unsigned long n, int timeout)',
);
const buf = Buffer.alloc(COPY_CHUNK);
let loop: RelayLoop | undefined;
/** Loops not yet ended (with their descriptors closed). */
const unsettled = new Set<Promise<void>>();

function pollAsync(fds: Buffer, n: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    // -1 (EINTR on the pool thread, or an error a descriptor's revents tells): look at revents
    pollBlocking().async(fds, n, timeoutMs, () => resolve());
  });
}

/** poll(2) now, without waiting; the revents in `fds` (all 0 when nothing is ready). */
function pollNow(fds: Buffer, n: number): number {
  try {
    return pollRaw(fds, n, 0);
  } catch {
    return 1; // an error the descriptors' revents tell (as a poll on the pool returning -1)
  }
}

/**
 * The same wait in this (the main) thread's loop: what is ready now, else a poll handle per descriptor
 * (the events of its entries; none: hang-up and errors) and a timer, until the first of them; then the
 * revents of a poll(2) that does not wait.
 */
function pollInLoop(fds: Buffer, n: number, timeoutMs: number): Promise<void> {
  if (pollNow(fds, n) > 0) return Promise.resolve();
  const wanted = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const fd = fds.readInt32LE(8 * i);
    if (fd >= 0) wanted.set(fd, (wanted.get(fd) ?? 0) | fds.readInt16LE(8 * i + 4));
  }
  return new Promise((resolve) => {
    const watches: Watch[] = [];
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const wake = () => {
      if (over) return;
      over = true;
      for (const w of watches) w.stop();
      clearTimeout(timer);
      pollNow(fds, n);
      resolve();
    };
    for (const [fd, events] of wanted) {
      const readable = (events & POLLIN) !== 0;
      const writable = (events & POLLOUT) !== 0;
      try {
        watches.push(watchReadable(fd, wake, { readable, writable }));
      } catch {
        // epoll refuses it (a regular file, /dev/null): poll(2) calls it always ready, so it was not
        // ready now only because nothing but errors was asked of it, which it never has
      }
    }
    timer = setTimeout(wake, timeoutMs);
  });
}

function wake(l: RelayLoop): void {
  if (l.closed) return;
  try {
    write(l.wakeWrite, Buffer.from('w'));
  } catch {} // the pipe is full of wake-ups already
}

function rebuild(l: RelayLoop): void {
  l.live = [];
  for (const s of l.sessions) for (const c of s.channels) if (!c.ended) l.live.push(c);
  l.pollfds = Buffer.alloc(8 * (2 * l.live.length + 1));
  l.pollfds.writeInt32LE(l.wakeRead, 0);
  l.pollfds.writeInt16LE(POLLIN, 4);
  l.dirty = false;
}

function end(l: RelayLoop, c: Channel): void {
  if (c.ended) return;
  c.ended = true;
  c.pending = undefined;
  l.dirty = true;
  const mine = c.input ? c.to : c.from;
  const left = (l.owned.get(mine) ?? 1) - 1;
  l.owned.set(mine, left);
  if (left === 0) {
    l.owned.delete(mine);
    close(mine);
  }
}

/** Writes pending bytes; false when the destination cannot take more now. */
function flush(l: RelayLoop, c: Channel): boolean {
  while (c.pending && c.pending.length > 0) {
    let n: number;
    try {
      n = c.send ? sendWithFds(c.to, c.pending, [], MSG_DONTWAIT | MSG_NOSIGNAL) : write(c.to, c.pending);
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      if (errno === EAGAIN) return false;
      if (errno === EINTR) continue;
      end(l, c);
      return false;
    }
    c.pending = c.pending.subarray(n);
  }
  c.pending = undefined;
  return true;
}

/** One transfer from a readable source; false when nothing more can be had from it now. */
function transfer(l: RelayLoop, c: Channel, roomKnown = false): boolean {
  if (!c.copy) {
    const n = splice(c.from, c.to, CHUNK, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    if (n > 0) {
      if (n === CHUNK || c.input) return true;
      // Short: our source is drained or the destination full. Waiting for room tells which, and saves
      // the splice that would only say EAGAIN (a pipe to a caller's pipe: one splice per wake-up).
      c.full = true;
      return false;
    }
    if (n === 0) {
      end(l, c);
      return false;
    }
    if (-n === EAGAIN) {
      // With room known (just polled): our source is empty. Otherwise a full destination (or, after
      // the first transfer of a wake-up, an empty source of ours).
      if (!roomKnown) c.full = true;
      return false;
    }
    if (-n === EINTR) return false;
    if (-n !== EINVAL) {
      end(l, c); // EPIPE (no reader), EIO (a terminal hung up) ...
      return false;
    }
    c.copy = true;
  }
  let n: number;
  try {
    n = c.recv ? recv(c.from, buf, MSG_DONTWAIT) : read(c.from, buf);
  } catch (e) {
    const errno = (e as { errno?: number }).errno;
    if (errno === EAGAIN || errno === EINTR) return false;
    end(l, c);
    return false;
  }
  if (n === 0) {
    end(l, c);
    return false;
  }
  // a copy: buf is reused by the next read
  c.pending = Buffer.from(buf.subarray(0, n));
  return flush(l, c);
}

/** Takes in new sessions and finish requests (between polls only: no descriptor closes under a poll). */
function receive(l: RelayLoop): void {
  const drain = Buffer.alloc(256);
  try {
    read(l.wakeRead, drain);
  } catch {}
  for (const s of l.added.splice(0)) {
    l.sessions.add(s);
    l.dirty = true;
    for (const c of s.channels) {
      const mine = c.input ? c.to : c.from;
      l.owned.set(mine, (l.owned.get(mine) ?? 0) + 1);
    }
  }
  for (const s of l.sessions) {
    if (!s.finishRequest || s.finishing) continue;
    s.finishing = s.finishRequest;
    s.quietSince = Date.now();
    for (const c of s.channels) if (c.input) end(l, c);
  }
}

function reap(l: RelayLoop): void {
  for (const s of l.sessions) {
    if (!s.channels.every((c) => c.ended)) continue;
    for (const fd of s.callers) {
      try {
        close(fd);
      } catch {}
    }
    l.sessions.delete(s);
    s.resolve();
  }
}

async function run(l: RelayLoop): Promise<void> {
  // The first turn starts after startRelay() has returned: its session is in `added`.
  await Promise.resolve();
  for (;;) {
    receive(l);
    reap(l);
    if (l.sessions.size === 0 && l.added.length === 0) {
      // Ended, in the same turn as the check: whatever starts from now on starts a new loop.
      if (loop === l) loop = undefined;
      return;
    }
    if (l.dirty) rebuild(l);
    const { live, pollfds: fds } = l;
    for (let i = 0; i < live.length; i++) {
      const c = live[i] as Channel;
      // Wait for the source, or for a full destination; a destination is always watched for errors
      // (nobody reads any more).
      const waitOut = !!c.pending || c.full;
      fds.writeInt32LE(waitOut ? -1 : c.from, 8 * (2 * i + 1));
      fds.writeInt16LE(POLLIN, 8 * (2 * i + 1) + 4);
      fds.writeInt32LE(c.to, 8 * (2 * i + 2));
      fds.writeInt16LE(waitOut ? POLLOUT : 0, 8 * (2 * i + 2) + 4);
    }
    let timeout = -1;
    for (const s of l.sessions) {
      // A session whose outputs all wait for their destinations is woken by POLLOUT, not by a timeout.
      if (s.finishing !== 'd' || s.channels.every((c) => c.ended || c.pending || c.full)) continue;
      const left = Math.max(0, s.idleMs - (Date.now() - s.quietSince));
      timeout = timeout < 0 ? left : Math.min(timeout, left);
    }
    // At most a second: a poll left waiting on the pool holds up the process's exit.
    const wait = timeout < 0 ? 1000 : Math.min(timeout, 1000);
    await (l.inLoop ? pollInLoop : pollAsync)(fds, 2 * live.length + 1, wait);
    if (fds.readUInt16LE(6) & POLLIN) continue; // new sessions or finish requests first
    let quiet = false; // a session finishing 'd' exists: its quiet time counts
    for (const s of l.sessions) if (s.finishing === 'd') quiet = true;
    for (let i = 0; i < live.length; i++) {
      const c = live[i] as Channel;
      if (c.ended) continue;
      const inEv = fds.readUInt16LE(8 * (2 * i + 1) + 6);
      const outEv = fds.readUInt16LE(8 * (2 * i + 2) + 6);
      if (outEv & (POLLERR | POLLNVAL) || (c.input && outEv & POLLHUP)) {
        end(l, c); // nobody reads what we would write: stop taking it from the source
        continue;
      }
      let roomKnown = false;
      if (c.pending || c.full) {
        if (!(outEv & POLLOUT)) continue;
        c.full = false;
        if (c.pending && !flush(l, c)) continue;
        // Ours (an output's source) is non-blocking: try it now rather than after another poll.
        roomKnown = !c.input;
      }
      if (roomKnown || inEv & (POLLIN | POLLHUP | POLLERR)) {
        if (quiet) c.session.quietSince = Date.now();
        // The caller's source may block once drained (a terminal, a socket): one read per wake-up;
        // ours (outputs) are non-blocking and are read while they have data.
        for (let k = 0; k < (c.input ? 1 : 16) && transfer(l, c, roomKnown && k === 0); k++) {}
      } else if (inEv & POLLNVAL) end(l, c);
    }
    if (!quiet) continue;
    const later = Date.now();
    for (const s of l.sessions) {
      if (s.finishing !== 'd' || later - s.quietSince < s.idleMs) continue;
      for (const c of s.channels) if (drained(c)) end(l, c);
    }
  }
}

/**
 * Quiet is not empty: an output still holding bytes (read but not written, or in its source because the
 * destination is full) is relayed on however slowly its destination reads; only new writes are not
 * waited for.
 */
function drained(c: Channel): boolean {
  if (c.pending || c.full) return false;
  try {
    return pipeBytes(c.from) === 0;
  } catch {
    return true;
  }
}

function relayLoop(): RelayLoop {
  if (loop) return loop;
  const [wakeRead, wakeWrite] = pipe2(O_CLOEXEC | O_NONBLOCK);
  const l: RelayLoop = {
    sessions: new Set(),
    added: [],
    wakeRead,
    wakeWrite,
    owned: new Map(),
    live: [],
    pollfds: Buffer.alloc(8),
    dirty: true,
    running: Promise.resolve(),
    closed: false,
    inLoop: canWatchFds(),
  };
  // At this process's exit, a poll still waiting on the pool would hold the exit up: wake it.
  const wakeAtExit = () => wake(l);
  const running = (async () => {
    try {
      await run(l);
    } finally {
      if (loop === l) loop = undefined;
      l.closed = true;
      process.off('exit', wakeAtExit);
      close(wakeRead);
      close(wakeWrite);
    }
  })();
  l.running = running;
  running.catch((e: Error) => {
    // Never expected: each session ends when the loop does.
    process.emitWarning(`sysjail relay: ${e.message}`);
    for (const s of [...l.sessions, ...l.added]) s.resolve();
  });
  process.on('exit', wakeAtExit);
  unsettled.add(running);
  void running.finally(() => unsettled.delete(running)).catch(() => {});
  loop = l;
  return l;
}

/** Resolves once no relay runs: every session has ended and the loop's descriptors are closed. */
export async function relaysSettled(): Promise<void> {
  while (unsettled.size > 0) await Promise.all([...unsettled].map((p) => p.catch(() => {})));
}

function isSocket(fd: number): boolean {
  try {
    return (fstat(fd).mode & S_IFMT) === S_IFSOCK;
  } catch {
    return false;
  }
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
  const l = relayLoop();
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const s: Session = {
    idleMs: spec.idleMs ?? 0,
    channels: [],
    callers: [...dups.values()],
    quietSince: 0,
    resolve,
  };
  const channel = (p: RelayPair, input: boolean): Channel => {
    const send = !input && isSocket(p.to);
    const recv = input && isSocket(p.from);
    return {
      session: s,
      from: p.from,
      to: p.to,
      input,
      copy: !!p.copy || send || recv,
      send,
      recv,
      full: false,
      ended: false,
    };
  };
  s.channels.push(...inputs.map((p) => channel(p, true)), ...outputs.map((p) => channel(p, false)));
  l.added.push(s);
  wake(l);
  return {
    done,
    finish(untilEnd) {
      if (!s.finishRequest) {
        s.finishRequest = untilEnd ? 'e' : 'd';
        wake(l);
      }
      return done;
    },
  };
}
