// The relay thread (one per process, see relay.ts): moves bytes between descriptor pairs of every
// session with poll(2) and splice(2) (read/write where splice cannot: terminals), never blocking on a
// descriptor of ours. Sessions come and go through a MessagePort read synchronously when the wake pipe
// is readable; a session whose channels have all ended is reported 'done'.
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { close, read, write } from '../file-descriptors.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, pollRaw } from '../poll.js';
import { SPLICE_F_MOVE, SPLICE_F_NONBLOCK, splice } from '../splice.js';
import type { RelayPair, ToRelay } from './relay.js';

const EAGAIN = 11;
const EINVAL = 22;
const EINTR = 4;
const CHUNK = 1 << 20;
const COPY_CHUNK = 64 * 1024;

interface Session {
  readonly id: number;
  readonly idleMs: number;
  readonly channels: Channel[];
  /** The caller's descriptors (dups of theirs): closed when the session ends. */
  readonly callers: readonly number[];
  /** 'e': inputs stopped, outputs read to their end; 'd': outputs read until quiet for idleMs. */
  finishing?: 'e' | 'd';
  quietSince: number;
}

interface Channel {
  readonly session: Session;
  readonly from: number;
  readonly to: number;
  readonly input: boolean;
  /** splice() refused this pair: copy through a buffer. */
  copy: boolean;
  /** Bytes read but not yet written (copy mode). */
  pending?: Uint8Array;
  /** The destination took nothing: wait until it can take more. */
  full: boolean;
  ended: boolean;
}

const { port, wakeFd, sent } = workerData as { port: MessagePort; wakeFd: number; sent: SharedArrayBuffer };
const sentCount = new Int32Array(sent);
let received = 0;
const sessions = new Map<number, Session>();
const owned = new Map<number, number>(); // our descriptors and how many live channels use each
const buf = Buffer.alloc(COPY_CHUNK);
/** The live channels and their struct pollfd[] (wake pipe first, then source and destination of each):
 * rebuilt only when a channel comes or goes, so that a wake-up allocates nothing. */
let live: Channel[] = [];
let pollfds = Buffer.alloc(8);
let dirty = true;

function rebuild(): void {
  live = [];
  for (const s of sessions.values()) for (const c of s.channels) if (!c.ended) live.push(c);
  pollfds = Buffer.alloc(8 * (2 * live.length + 1));
  pollfds.writeInt32LE(wakeFd, 0);
  pollfds.writeInt16LE(POLLIN, 4);
  dirty = false;
}

function addSession(m: Extract<ToRelay, { type: 'add' }>): void {
  const s: Session = { id: m.id, idleMs: m.idleMs, channels: [], callers: m.callers, quietSince: 0 };
  const add = (pairs: readonly RelayPair[], input: boolean) => {
    for (const p of pairs) {
      s.channels.push({
        session: s,
        from: p.from,
        to: p.to,
        input,
        copy: !!p.copy,
        full: false,
        ended: false,
      });
      const mine = input ? p.to : p.from;
      owned.set(mine, (owned.get(mine) ?? 0) + 1);
    }
  };
  add(m.inputs, true);
  add(m.outputs, false);
  sessions.set(s.id, s);
  dirty = true;
}

function end(c: Channel): void {
  if (c.ended) return;
  c.ended = true;
  c.pending = undefined;
  dirty = true;
  const mine = c.input ? c.to : c.from;
  const left = (owned.get(mine) ?? 1) - 1;
  owned.set(mine, left);
  if (left === 0) {
    owned.delete(mine);
    close(mine);
  }
}

/** Writes pending bytes; false when the destination cannot take more now. */
function flush(c: Channel): boolean {
  while (c.pending && c.pending.length > 0) {
    let n: number;
    try {
      n = write(c.to, c.pending);
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      if (errno === EAGAIN) return false;
      if (errno === EINTR) continue;
      end(c);
      return false;
    }
    c.pending = c.pending.subarray(n);
  }
  c.pending = undefined;
  return true;
}

/** One transfer from a readable source; false when nothing more can be had from it now. */
function transfer(c: Channel, roomKnown = false): boolean {
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
      end(c);
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
      end(c); // EPIPE (no reader), EIO (a terminal hung up) ...
      return false;
    }
    c.copy = true;
  }
  let n: number;
  try {
    n = read(c.from, buf);
  } catch (e) {
    const errno = (e as { errno?: number }).errno;
    if (errno === EAGAIN || errno === EINTR) return false;
    end(c);
    return false;
  }
  if (n === 0) {
    end(c);
    return false;
  }
  // a copy: buf is reused by the next read
  c.pending = Buffer.from(buf.subarray(0, n));
  return flush(c);
}

function receive(): void {
  const drain = Buffer.alloc(256);
  try {
    read(wakeFd, drain);
  } catch {}
  // A message posted before its wake-up may not be visible yet: take as many as were sent.
  while (received < Atomics.load(sentCount, 0)) {
    const m = receiveMessageOnPort(port);
    if (!m) {
      Atomics.wait(sentCount, 1, 0, 1);
      continue;
    }
    received++;
    const msg = m.message as ToRelay;
    if (msg.type === 'add') addSession(msg);
    else {
      const s = sessions.get(msg.id);
      if (s && !s.finishing) {
        s.finishing = msg.untilEnd ? 'e' : 'd';
        s.quietSince = Date.now();
        for (const c of s.channels) if (c.input) end(c);
      }
    }
  }
}

function reap(): void {
  for (const s of sessions.values()) {
    if (!s.channels.every((c) => c.ended)) continue;
    for (const fd of s.callers) {
      try {
        close(fd);
      } catch {}
    }
    sessions.delete(s.id);
    port.postMessage({ type: 'done', id: s.id });
  }
}

for (;;) {
  reap();
  // No session left and no message on its way: close ([0] = -1, so that the next relay starts a thread).
  if (sessions.size === 0 && Atomics.compareExchange(sentCount, 0, received, -1) === received) break;
  if (dirty) rebuild();
  const fds = pollfds;
  for (let i = 0; i < live.length; i++) {
    const c = live[i];
    // Wait for the source, or for a full destination; a destination is always watched for errors
    // (nobody reads any more).
    const waitOut = !!c.pending || c.full;
    fds.writeInt32LE(waitOut ? -1 : c.from, 8 * (2 * i + 1));
    fds.writeInt16LE(POLLIN, 8 * (2 * i + 1) + 4);
    fds.writeInt32LE(c.to, 8 * (2 * i + 2));
    fds.writeInt16LE(waitOut ? POLLOUT : 0, 8 * (2 * i + 2) + 4);
  }
  let timeout = -1;
  for (const s of sessions.values()) {
    if (s.finishing !== 'd') continue;
    const left = Math.max(0, s.idleMs - (Date.now() - s.quietSince));
    timeout = timeout < 0 ? left : Math.min(timeout, left);
  }
  // At most a second: a thread blocked in poll(2) could not be terminated at the process's exit.
  pollRaw(fds, 2 * live.length + 1, timeout < 0 ? 1000 : Math.min(timeout, 1000));
  if (fds.readUInt16LE(6) & POLLIN) {
    receive();
    continue;
  }
  let quiet = false; // a session finishing 'd' exists: its quiet time counts
  for (const s of sessions.values()) if (s.finishing === 'd') quiet = true;
  for (let i = 0; i < live.length; i++) {
    const c = live[i];
    if (c.ended) continue;
    const inEv = fds.readUInt16LE(8 * (2 * i + 1) + 6);
    const outEv = fds.readUInt16LE(8 * (2 * i + 2) + 6);
    if (outEv & (POLLERR | POLLNVAL) || (c.input && outEv & POLLHUP)) {
      end(c); // nobody reads what we would write: stop taking it from the source
      continue;
    }
    let roomKnown = false;
    if (c.pending || c.full) {
      if (!(outEv & POLLOUT)) continue;
      c.full = false;
      if (c.pending && !flush(c)) continue;
      // Ours (an output's source) is non-blocking: try it now rather than after another poll.
      roomKnown = !c.input;
    }
    if (roomKnown || inEv & (POLLIN | POLLHUP | POLLERR)) {
      if (quiet) c.session.quietSince = Date.now();
      // The caller's source may block once drained (a terminal, a socket): one read per wake-up;
      // ours (outputs) are non-blocking and are read while they have data.
      for (let k = 0; k < (c.input ? 1 : 16) && transfer(c, roomKnown && k === 0); k++) {}
    } else if (inEv & POLLNVAL) end(c);
  }
  if (!quiet) continue;
  const later = Date.now();
  for (const s of sessions.values()) {
    if (s.finishing === 'd' && later - s.quietSince >= s.idleMs) for (const c of s.channels) end(c);
  }
}
