// The worker thread of a SpawnerPool: runs one request's setup on itself, spawns the child (which
// inherits this thread's namespaces, root, cwd, capabilities, no_new_privs and filter), stays alive
// until the child exits (its parent-death signal fires when this thread exits), reports, and exits;
// or, asked to release the child, stops watching it and exits while it still runs.
import { type StdioOptions, spawn } from 'node:child_process';
import { parentPort } from 'node:worker_threads';
import { AT_FDCWD, close, O_CLOEXEC, O_RDWR, openat } from '../file-descriptors.js';
import { loadNative } from '../libc.js';
import { gettid } from '../process-ids.js';
import type { FromWorker, ToWorker } from './messages.js';
import {
  closeSetupContext,
  openSetupContext,
  runSetupAfterSpawn,
  runSetupBeforeSpawn,
  SetupFailure,
} from './run-setup.js';
import type { SpawnRequest, StdioSpec } from './setup-op.js';

const port = parentPort;
if (!port) throw new Error('spawn-worker must run in a worker thread');

function post(m: FromWorker): void {
  port?.postMessage(m);
}

function failed(f: SetupFailure): FromWorker {
  return {
    type: 'setupFailed',
    op: f.op,
    index: f.index,
    syscall: f.syscall,
    errno: f.errno,
    message: f.message,
  };
}

function stdioList(spec: SpawnRequest['stdio']): StdioSpec[] {
  if (spec === undefined) return ['inherit', 'inherit', 'inherit'];
  return Array.isArray(spec) ? spec : [spec, spec, spec];
}

/**
 * 'ignore' becomes an fd of /dev/null opened before the setup: libuv would open /dev/null in the child's
 * new root, where it may not exist (and fail the spawn with a misleading ENOENT).
 */
function stdioOf(spec: SpawnRequest['stdio'], devNull: number | undefined): StdioOptions {
  return stdioList(spec).map((s) => (s === 'ignore' ? (devNull as number) : s));
}

function serve(request: SpawnRequest): void {
  const ctx = openSetupContext();
  const devNull = stdioList(request.stdio).includes('ignore')
    ? openat(AT_FDCWD, '/dev/null', O_RDWR | O_CLOEXEC)
    : undefined;
  const closeDevNull = () => {
    if (devNull !== undefined) close(devNull);
  };
  let later: number[];
  try {
    later = runSetupBeforeSpawn(request.setup, ctx);
  } catch (e) {
    closeDevNull();
    closeSetupContext(ctx, false);
    post(e instanceof SetupFailure ? failed(e) : { type: 'spawnFailed', message: String(e) });
    process.exit(0);
  }

  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(request.command, request.args ?? [], {
      argv0: request.argv0,
      env: request.env ?? {},
      cwd: request.cwd,
      stdio: stdioOf(request.stdio, devNull),
    });
  } catch (e) {
    closeDevNull();
    closeSetupContext(ctx, false);
    post({
      type: 'spawnFailed',
      message: String((e as Error).message ?? e),
      errnoName: (e as { code?: string }).code,
    });
    process.exit(0);
  }
  closeDevNull(); // the child has its copies
  if (child.pid === undefined) {
    closeSetupContext(ctx, false);
    child.once('error', (e: NodeJS.ErrnoException) => {
      post({ type: 'spawnFailed', message: e.message, errnoName: e.code });
      process.exit(0);
    });
    return;
  }

  const pid = child.pid;
  child.once('exit', (code, signal) => {
    post({ type: 'exited', code, signal });
    process.exit(0);
  });

  ctx.childPid = pid;
  try {
    runSetupAfterSpawn(request.setup, later, ctx);
  } catch (e) {
    closeSetupContext(ctx, false);
    child.kill('SIGKILL');
    post(e instanceof SetupFailure ? failed(e) : { type: 'spawnFailed', message: String(e) });
    return; // 'exit' still reports and ends the thread
  }
  const listenerFd = ctx.listenerFd;
  closeSetupContext(ctx, true);
  port?.on('message', (m: ToWorker) => {
    if (m.type !== 'release' || child.exitCode !== null || child.signalCode !== null) return;
    child.removeAllListeners('exit');
    child.unref();
    post({ type: 'released' });
    process.exit(0);
  });
  post({ type: 'spawned', pid, listenerFd, tid: gettid() });
}

port.once('message', (m: ToWorker) => {
  if (m.type === 'spawn') serve(m.request);
});
loadNative();
post({ type: 'ready' });
