/**
 * Runs the `jail` command as a user does (node dist/bin/jail.js PATH HOSTNAME IP COMMAND...), with its
 * stdout and stderr collected, extra fds passed on (stdio[3...]) and a timeout that kills it by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { JailFixture } from './jail-fixture.js';
import { jailBin } from './jail-fixture.js';

export interface JailResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface RunOptions {
  /** Extra fds for the jail command: fd 3, 4 ... */
  readonly extraFds?: readonly number[];
  readonly timeoutMs?: number;
  readonly input?: string;
}

/** A running `jail` command: its process, output so far, and its end. */
export interface JailProcess {
  readonly child: ChildProcess;
  stdout(): string;
  /** Resolves with the stdout so far once a line matches. */
  waitFor(line: RegExp, timeoutMs?: number): Promise<string>;
  readonly done: Promise<JailResult>;
}

export function startJailCommand(
  fixture: JailFixture,
  args: readonly string[],
  options: RunOptions = {},
): JailProcess {
  const child = spawn(process.execPath, [jailBin, ...args], {
    env: fixture.env,
    stdio: ['pipe', 'pipe', 'pipe', ...(options.extraFds ?? [])],
  });
  let out = '';
  let err = '';
  let timedOut = false;
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, options.timeoutMs ?? 30_000);
  const done = new Promise<JailResult>((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w();
      resolve({ status, signal, stdout: out, stderr: err, timedOut });
    });
  });
  let closed = false;
  void done.then(() => {
    closed = true;
  });
  const waitFor = (line: RegExp, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no line ${line} in: ${out} / ${err}`)), timeoutMs);
      const check = () => {
        if (out.split('\n').some((l) => line.test(l))) {
          clearTimeout(deadline);
          resolve(out);
        } else if (closed) {
          clearTimeout(deadline);
          reject(new Error(`jail ended without ${line}: ${out} / ${err}`));
        } else waiters.push(check);
      };
      check();
    });
  return { child, stdout: () => out, waitFor, done };
}

export function runJail(
  fixture: JailFixture,
  args: readonly string[],
  options: RunOptions = {},
): Promise<JailResult> {
  return startJailCommand(fixture, args, options).done;
}
