// The hand-off client's connection to the supervisor: newline-framed text over a Unix socket. Through
// node's own libuv pipe handle (the one node:net wraps, from process.binding) when node offers it: loading
// node:net and connecting through it costs the client ~4 ms of its ~5 ms over `node -e 0` (issue 12).
// Otherwise, and whenever node was asked to report pending deprecations (process.binding is one),
// through node:net. Both deliver the same events; handoff.linux.test.ts runs the client through each.
import { connect } from 'node:net';

export interface LineEvents {
  /** One line, without its newline. */
  line(text: string): void;
  /** The connection ended (refused, broken, closed by the peer, or destroy()): once, the last event. */
  close(): void;
}

export interface LineConnection {
  /** Sent in order, after the first text; before the connection is up, held until it is. */
  write(text: string): void;
  /** Ends the connection; `close` follows. */
  destroy(): void;
}

/** Lines from chunks: a UTF-8 newline byte never occurs inside a character, so lines split on bytes. */
class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly limit: number) {}
  /** The complete lines so far, and whether more than `limit` bytes now wait without a newline. */
  push(chunk: Buffer): { lines: string[]; over: boolean } {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: string[] = [];
    let start = 0;
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
      lines.push(data.toString('utf8', start, nl));
      start = nl + 1;
    }
    this.pending = data.subarray(start);
    return { lines, over: this.pending.length > this.limit };
  }
}

interface UvPipe {
  connect(req: object, path: string): number;
  readStart(): number;
  writeUtf8String(req: object, text: string): number;
  close(cb: () => void): void;
  onread: (buf: ArrayBuffer | undefined) => void;
}
interface UvBindings {
  readonly Pipe: new (type: number) => UvPipe;
  readonly PipeConnectWrap: new () => { oncomplete?: (status: number) => void };
  readonly WriteWrap: new () => { handle?: UvPipe; oncomplete?: (status: number) => void };
  readonly socketType: number;
  /** node's streamBaseState: a read's byte count or error, a write's sync-or-async, by index. */
  readonly state: Int32Array;
  readonly kReadBytesOrError: number;
  readonly kArrayBufferOffset: number;
  readonly kLastWriteWasAsync: number;
}

/** Whether node reports deprecated APIs as they are used (a use of process.binding would print one). */
function reportsPendingDeprecations(): boolean {
  const flag = '--pending-deprecation';
  return (
    process.env.NODE_PENDING_DEPRECATION === '1' ||
    process.execArgv.includes(flag) ||
    (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(flag)
  );
}

/** node's pipe and stream bindings, if this node offers them in the shape this file knows. */
function uvBindings(): UvBindings | undefined {
  // process.binding is not in node's types: it is deprecated (documentation only, DEP0111).
  const binding = (process as { binding?: (name: string) => Record<string, unknown> }).binding;
  if (reportsPendingDeprecations() || typeof binding !== 'function') return undefined;
  try {
    const pipe = binding.call(process, 'pipe_wrap');
    const stream = binding.call(process, 'stream_wrap');
    const b = {
      Pipe: pipe.Pipe,
      PipeConnectWrap: pipe.PipeConnectWrap,
      WriteWrap: stream.WriteWrap,
      socketType: (pipe.constants as Record<string, unknown> | undefined)?.SOCKET,
      state: stream.streamBaseState,
      kReadBytesOrError: stream.kReadBytesOrError,
      kArrayBufferOffset: stream.kArrayBufferOffset,
      kLastWriteWasAsync: stream.kLastWriteWasAsync,
    };
    const fns = [b.Pipe, b.PipeConnectWrap, b.WriteWrap];
    const ints = [b.socketType, b.kReadBytesOrError, b.kArrayBufferOffset, b.kLastWriteWasAsync];
    if (!fns.every((f) => typeof f === 'function') || !ints.every(Number.isInteger)) return undefined;
    if (!(b.state instanceof Int32Array)) return undefined;
    const methods = (b.Pipe as { prototype: Record<string, unknown> }).prototype;
    if (!['connect', 'readStart', 'writeUtf8String', 'close'].every((m) => typeof methods[m] === 'function'))
      return undefined;
    return b as unknown as UvBindings;
  } catch {
    return undefined;
  }
}

function connectUv(
  uv: UvBindings,
  path: string,
  limit: number,
  first: string,
  on: LineEvents,
): LineConnection {
  const pipe = new uv.Pipe(uv.socketType);
  const lines = new LineSplitter(limit);
  const held: string[] = [first];
  /** Write requests in flight: the handle does not keep them alive. */
  const writing = new Set<object>();
  let state: 'connecting' | 'open' | 'closing' = 'connecting';
  const destroy = () => {
    if (state === 'closing') return;
    state = 'closing';
    pipe.close(() => on.close());
  };
  const send = (text: string) => {
    const req = new uv.WriteWrap();
    req.handle = pipe;
    req.oncomplete = (status) => {
      writing.delete(req);
      if (status < 0) destroy();
    };
    if (pipe.writeUtf8String(req, text) < 0) destroy();
    else if (uv.state[uv.kLastWriteWasAsync]) writing.add(req);
  };
  pipe.onread = (buf) => {
    const n = uv.state[uv.kReadBytesOrError];
    if (n < 0 || buf === undefined) return destroy();
    if (n === 0 || state !== 'open') return;
    const got = lines.push(Buffer.from(buf, uv.state[uv.kArrayBufferOffset], n));
    for (const line of got.lines) if (state === 'open') on.line(line);
    if (got.over) destroy();
  };
  const req = new uv.PipeConnectWrap();
  req.oncomplete = (status) => {
    if (state !== 'connecting') return;
    if (status < 0 || pipe.readStart() < 0) return destroy();
    state = 'open';
    send(held.splice(0).join(''));
  };
  if (pipe.connect(req, path) < 0) process.nextTick(destroy);
  return {
    write: (text) => {
      if (state === 'connecting') held.push(text);
      else if (state === 'open') send(text);
    },
    destroy,
  };
}

function connectNet(path: string, limit: number, first: string, on: LineEvents): LineConnection {
  const lines = new LineSplitter(limit);
  const conn = connect(path);
  conn.write(first);
  conn.on('data', (chunk: Buffer) => {
    const got = lines.push(chunk);
    for (const line of got.lines) if (!conn.destroyed) on.line(line);
    if (got.over) conn.destroy();
  });
  conn.on('error', () => {});
  conn.on('close', () => on.close());
  return { write: (text) => conn.write(text), destroy: () => conn.destroy() };
}

/**
 * Connects to the Unix socket at `path` and sends `first` once connected; more than `limit` bytes
 * without a newline end the connection.
 */
export function connectLines(path: string, limit: number, first: string, on: LineEvents): LineConnection {
  const uv = uvBindings();
  return uv ? connectUv(uv, path, limit, first, on) : connectNet(path, limit, first, on);
}
