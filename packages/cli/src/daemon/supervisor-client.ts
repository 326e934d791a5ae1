// The client side of the shared supervisor: connect to its socket, starting it first if none runs.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { CliError } from '../errors.js';
import { MAX_MESSAGE, type SupervisorReply, type SupervisorRequest } from './protocol.js';
import { READY_FD_ENV } from './ready-fd.js';
import { type SupervisorFiles, supervisorFiles, supervisorScript } from './supervisor-files.js';

class NoSupervisorError extends Error {}

/** One request on one connection; NoSupervisorError when nothing listens (or it left before answering). */
function exchange(socket: string, request: SupervisorRequest): Promise<SupervisorReply> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let input = '';
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.end(JSON.stringify(request)));
    conn.on('data', (d: string) => {
      input += d;
      if (input.length > MAX_MESSAGE) conn.destroy(new Error('reply too large'));
    });
    conn.on('error', (e: NodeJS.ErrnoException) => {
      if (['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(e.code ?? ''))
        reject(new NoSupervisorError());
      else reject(e);
    });
    conn.on('close', () => {
      if (input === '') return reject(new NoSupervisorError());
      try {
        resolve(JSON.parse(input) as SupervisorReply);
      } catch {
        reject(new CliError('SUPERVISOR_FAILED', 'the sysjail supervisor gave a malformed reply', 1));
      }
    });
  });
}

/** Starts the supervisor (detached, its own session) and waits until it listens or another one does. */
function startSupervisor(files: SupervisorFiles): Promise<void> {
  mkdirSync(files.runDir, { recursive: true, mode: 0o755 });
  const log = openSync(files.log, 'a', 0o600);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [supervisorScript], {
      detached: true,
      stdio: ['ignore', 'ignore', log, 'pipe'],
      env: { ...process.env, [READY_FD_ENV]: '3' },
    });
    let out = '';
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      out += d;
    });
    pipe.on('end', () => {
      child.unref();
      if (/^(ready|running)\n/.test(out)) resolve();
      else
        reject(
          new CliError('SUPERVISOR_FAILED', `the sysjail supervisor did not start (see ${files.log})`, 1),
        );
    });
    child.on('error', reject);
  });
}

/**
 * Sends a request to the shared supervisor of this build and run directory. With `start`, a supervisor
 * is started when none runs (sysjail -b, jail -c); without, NoSupervisor is answered as `undefined`.
 */
export async function supervisorRequest(
  request: SupervisorRequest,
  options: { start: boolean; files?: SupervisorFiles },
): Promise<SupervisorReply | undefined> {
  const files = options.files ?? supervisorFiles();
  for (let attempt = 0; ; attempt++) {
    try {
      return await exchange(files.socket, request);
    } catch (e) {
      if (!(e instanceof NoSupervisorError)) throw e;
      if (!options.start) return undefined;
      // The supervisor may be exiting (its last jail just ended) or starting: start one (a second one of
      // the same build steps back at once) and ask again.
      if (attempt >= 8) {
        throw new CliError('SUPERVISOR_FAILED', `cannot reach the sysjail supervisor at ${files.socket}`, 1);
      }
      await startSupervisor(files);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

/** A request to a given socket (jail -r of a jail another build's supervisor hosts). */
export async function requestAt(
  socket: string,
  request: SupervisorRequest,
): Promise<SupervisorReply | undefined> {
  try {
    return await exchange(socket, request);
  } catch (e) {
    if (e instanceof NoSupervisorError) return undefined;
    throw e;
  }
}
