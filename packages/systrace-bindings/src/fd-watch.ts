// Watching descriptors from the main thread's event loop: libuv's own poll handles (uv_poll_t) on Node's
// default loop, through the uv_* functions the node binary exports. A ready descriptor wakes the loop
// itself (no pool thread, no hand-over between threads): its callback runs in the loop's poll phase.
// Level-triggered: a descriptor left ready calls again on the loop's next turn. The descriptor's file
// status flags are left as they were (uv_poll_init would make it non-blocking: a blocking read of ours
// on it would then fail with EAGAIN).
import { F_GETFL, F_SETFL, fcntl } from './file-descriptors.js';
import { koffi } from './libc.js';
import { getpid, gettid } from './process-ids.js';

const UV_POLL = 8; // uv_handle_type
const UV_READABLE = 1;
const UV_WRITABLE = 2;
const UV_DISCONNECT = 4;

interface Uv {
  readonly loop: unknown;
  readonly handleSize: number;
  init(loop: unknown, handle: Buffer, fd: number): number;
  start(handle: Buffer, events: number, cb: unknown): number;
  stop(handle: Buffer): number;
  close(handle: Buffer, cb: unknown): void;
  unref(handle: Buffer): void;
  readonly onPoll: unknown;
  readonly onClose: unknown;
}

let uv: Uv | undefined;
/** Live watches by their handle's address. */
const watches = new Map<bigint, Watch>();
/** Closed handles, kept alive until libuv says they are closed. */
const closing = new Map<bigint, Buffer>();

function libuv(): Uv {
  if (uv) return uv;
  const k = koffi();
  const node = k.load(null); // the node binary: its libuv
  const pollCb = k.proto('void sj_uv_poll_cb(void *handle, int status, int events)');
  const closeCb = k.proto('void sj_uv_close_cb(void *handle)');
  const defaultLoop = node.func('void *uv_default_loop()') as unknown as () => unknown;
  const handleSize = node.func('size_t uv_handle_size(int type)') as unknown as (t: number) => number;
  uv = {
    loop: defaultLoop(),
    handleSize: Number(handleSize(UV_POLL)),
    init: node.func('int uv_poll_init(void *loop, void *handle, int fd)') as unknown as Uv['init'],
    start: node.func(
      'int uv_poll_start(void *handle, int events, sj_uv_poll_cb *cb)',
    ) as unknown as Uv['start'],
    stop: node.func('int uv_poll_stop(void *handle)') as unknown as Uv['stop'],
    close: node.func('void uv_close(void *handle, sj_uv_close_cb *cb)') as unknown as Uv['close'],
    unref: node.func('void uv_unref(void *handle)') as unknown as Uv['unref'],
    onPoll: k.register((handle: unknown, status: number) => {
      watches.get(k.address(handle) as bigint)?.ready(status);
    }, k.pointer(pollCb)),
    onClose: k.register((handle: unknown) => {
      closing.delete(k.address(handle) as bigint);
    }, k.pointer(closeCb)),
  };
  return uv;
}

/** A descriptor watched for readability (or hang-up, or an error: status < 0). */
export interface Watch {
  readonly fd: number;
  /** @internal */
  ready(status: number): void;
  /** Stops watching (before the descriptor is closed). */
  stop(): void;
}

/** Whether this thread can watch descriptors in its own loop (the main thread: Node's default loop). */
export function canWatchFds(): boolean {
  return isMainThread();
}

let mainThread: boolean | undefined;
/**
 * worker_threads' isMainThread, without loading node:worker_threads (1.5 ms in a fresh process): Node's
 * main thread is the process's first thread, whose thread id is the process id.
 */
function isMainThread(): boolean {
  mainThread ??= gettid() === getpid();
  return mainThread;
}

/**
 * Calls onReady in this (the main) thread's event loop whenever `fd` is readable or hung up (status 0)
 * or libuv reports an error (status < 0), until stopped. onReady must not throw. `ref: false`: the
 * watch alone does not keep the process alive (as a Node handle's unref()). `readable: false` and
 * `writable: true` choose what is watched; neither: only a hang-up or an error.
 */
export function watchReadable(
  fd: number,
  onReady: (status: number) => void,
  options: { ref?: boolean; readable?: boolean; writable?: boolean } = {},
): Watch {
  const events =
    (options.readable === false ? 0 : UV_READABLE) | (options.writable ? UV_WRITABLE : 0) || UV_DISCONNECT;
  if (!isMainThread()) throw new Error('watchReadable: the main thread only');
  const u = libuv();
  const handle = Buffer.alloc(u.handleSize);
  const key = koffi().address(handle) as bigint;
  const flags = fcntl(fd, F_GETFL, 0);
  const inited = u.init(u.loop, handle, fd);
  fcntl(fd, F_SETFL, flags);
  if (inited !== 0) throw new Error(`uv_poll_init(${fd}) failed`);
  let stopped = false;
  const watch: Watch = {
    fd,
    ready: (status) => {
      if (!stopped) onReady(status);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      watches.delete(key);
      u.stop(handle);
      closing.set(key, handle);
      u.close(handle, u.onClose);
    },
  };
  watches.set(key, watch);
  const r = u.start(handle, events, u.onPoll);
  if (r !== 0) {
    watch.stop();
    throw new Error(`uv_poll_start(${fd}) failed: ${r}`);
  }
  if (options.ref === false) u.unref(handle);
  return watch;
}
