/**
 * Runs the built cli tools as a user does, asynchronously (several jails start at once), with the
 * fixture's SYSJAIL_RUN_DIR.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { binDir, type LifecycleFixture } from './lifecycle-fixture.js';

export interface ToolResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function collect(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** `tool args...` (jail, sysjail, jls, sjls, ...). */
export function runTool(fx: LifecycleFixture, tool: string, args: readonly string[]): Promise<ToolResult> {
  return collect(process.execPath, [join(binDir, `${tool}.js`), ...args], fx.env);
}

/**
 * `sh -c 'node sysjail.js -b args...; echo shell:$$'`: sysjail -b run from a shell that exits once it
 * returns. stdout: the JID line, then `shell:<pid of the shell>`.
 */
export function sysjailFromShell(fx: LifecycleFixture, args: readonly string[]): Promise<ToolResult> {
  const script = 'node=$1; shift; "$node" "$0" -b "$@"; s=$?; echo "shell:$$"; exit $s';
  const sysjail = join(binDir, 'sysjail.js');
  return collect('/bin/sh', ['-c', script, sysjail, process.execPath, ...args], fx.env);
}

/** Starts a background jail (sysjail -b from a shell) and returns its JID; throws if it did not start. */
export async function startBackground(fx: LifecycleFixture, args: readonly string[]): Promise<number> {
  const r = await sysjailFromShell(fx, args);
  const jid = /^([0-9]+)\n/.exec(r.stdout)?.[1];
  if (r.status !== 0 || jid === undefined)
    throw new Error(`sysjail -b ${args.join(' ')}: status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  return Number(jid);
}
