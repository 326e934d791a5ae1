/**
 * Runs the built cli tools as a user does (node dist/bin/TOOL.js args...), with the fixture's
 * SYSJAIL_RUN_DIR, asynchronously (several jails start at once): stdout and stderr collected, extra fds
 * passed on (stdio[3...]), and a time limit that kills the tool by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { binDir, type JailFixture } from './jail-fixture.js';

export interface ToolResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface RunOptions {
  /** Extra fds for the tool: fd 3, 4 ... */
  readonly extraFds?: readonly number[];
  /** Killed after this long (default 30 s; 0: never). */
  readonly timeoutMs?: number;
  /** Written to its stdin, then closed; without it stdin is a pipe left open ('pipe') or /dev/null. */
  readonly input?: string;
  readonly stdin?: 'pipe' | 'ignore';
}

/** A running tool: its process, its output so far, and its end. */
export interface ToolProcess {
  readonly child: ChildProcess;
  stdout(): string;
  /** Resolves with the stdout so far once a line matches. */
  waitFor(line: RegExp, timeoutMs?: number): Promise<string>;
  readonly done: Promise<ToolResult>;
}

function startProcess(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions,
): ToolProcess {
  const stdin = options.input !== undefined ? 'pipe' : (options.stdin ?? 'pipe');
  const child = spawn(file, args, { env, stdio: [stdin, 'pipe', 'pipe', ...(options.extraFds ?? [])] });
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
  const limit = options.timeoutMs ?? 30_000;
  const timer =
    limit > 0
      ? setTimeout(() => {
          timedOut = true;
          if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        }, limit)
      : undefined;
  let closed = false;
  const done = new Promise<ToolResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      closed = true;
      for (const w of waiters.splice(0)) w();
      resolve({ status, signal, stdout: out, stderr: err, timedOut });
    });
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
          reject(new Error(`${file} ended without ${line}: ${out} / ${err}`));
        } else waiters.push(check);
      };
      check();
    });
  return { child, stdout: () => out, waitFor, done };
}

/** Any program with the fixture's environment, running. */
export function startProgram(
  fixture: JailFixture,
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): ToolProcess {
  return startProcess(file, args, fixture.env, options);
}

/** Any program with the fixture's environment, to its end (stdin /dev/null unless given). */
export function runProcess(
  fixture: JailFixture,
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ToolResult> {
  return startProcess(file, args, fixture.env, { stdin: 'ignore', ...options }).done;
}

/** `tool args...` (jail, sysjail, jls, sjls, jexec ...), running. */
export function startTool(
  fixture: JailFixture,
  tool: string,
  args: readonly string[],
  options: RunOptions = {},
): ToolProcess {
  return startProcess(process.execPath, [join(binDir, `${tool}.js`), ...args], fixture.env, options);
}

/** `tool args...` to its end; stdin /dev/null and no time limit unless given. */
export function runTool(
  fixture: JailFixture,
  tool: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ToolResult> {
  return startTool(fixture, tool, args, { stdin: 'ignore', timeoutMs: 0, ...options }).done;
}

/** `jail PATH HOSTNAME IP COMMAND...`, running. */
export function startJailCommand(
  fixture: JailFixture,
  args: readonly string[],
  options: RunOptions = {},
): ToolProcess {
  return startTool(fixture, 'jail', args, options);
}

/** `jail PATH HOSTNAME IP COMMAND...` to its end. */
export function runJail(
  fixture: JailFixture,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ToolResult> {
  return startJailCommand(fixture, args, options).done;
}

/**
 * `sh -c 'node sysjail.js -b args...; echo shell:$$'`: sysjail -b run from a shell that exits once it
 * returns. stdout: the JID line, then `shell:<pid of the shell>`.
 */
export function sysjailFromShell(fixture: JailFixture, args: readonly string[]): Promise<ToolResult> {
  const script = 'node=$1; shift; "$node" "$0" -b "$@"; s=$?; echo "shell:$$"; exit $s';
  const sysjail = join(binDir, 'sysjail.js');
  return startProcess('/bin/sh', ['-c', script, sysjail, process.execPath, ...args], fixture.env, {
    stdin: 'ignore',
    timeoutMs: 0,
  }).done;
}

/** Starts a background jail (sysjail -b from a shell) and returns its JID; throws if it did not start. */
export async function startBackground(fixture: JailFixture, args: readonly string[]): Promise<number> {
  const r = await sysjailFromShell(fixture, args);
  const jid = /^([0-9]+)\n/.exec(r.stdout)?.[1];
  if (r.status !== 0 || jid === undefined)
    throw new Error(`sysjail -b ${args.join(' ')}: status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  return Number(jid);
}
