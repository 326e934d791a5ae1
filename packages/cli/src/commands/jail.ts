import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { JailNameInUseError, openRegistry, type Registry } from '@sysjail/core';
import { dup3 } from '@sysjail/systrace-bindings';
import { type JailTool, parseJailArgs, type StartJailConfig } from '../config/index.js';
import { keepCountersFile } from '../counters-file.js';
import { chooseEmulation } from '../emulation-choice.js';
import { exitStatusOfJail, loadEmulations, loadEngine } from '../engine.js';
import { CliError, JailNameTakenError } from '../errors.js';
import { stopJail } from './stop-jail.js';

/** Set in the detached supervisor of `sysjail -b`: the fd to write the JID to. */
export const BACKGROUND_FD_ENV = 'SYSJAIL_BACKGROUND_FD';

/** jail(8) and sysjail(1): start a jail and wait for its command, or stop one (-r). */
export async function jailMain(tool: JailTool, argv: readonly string[]): Promise<number> {
  const config = parseJailArgs(tool, argv, { euid: process.geteuid?.() ?? -1 });
  if (config.kind === 'remove') {
    await stopJail(openRegistry(), config.jail);
    return 0;
  }
  checkNameFree(openRegistry(), config.prison.name);
  if (config.background && process.env[BACKGROUND_FD_ENV] === undefined) return detach();
  return runJail(config);
}

/** -n: fail before anything starts if a live jail has the name (the registry checks again, atomically). */
function checkNameFree(registry: Registry, name: string | undefined): void {
  if (name === undefined) return;
  const other = registry.find(name);
  if (other) throw new JailNameTakenError(name, other.jid);
}

/** The registry's name clash, wherever startJail wrapped it, as the cli's usage error. */
function nameClashOf(e: unknown): JailNameTakenError | undefined {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (c instanceof JailNameInUseError) return new JailNameTakenError(c.jailName, c.jid);
  }
  return undefined;
}

async function runJail(config: StartJailConfig): Promise<number> {
  // The detached supervisor of -b reports on this fd; the jailed command must not inherit the variable.
  const reportFd = process.env[BACKGROUND_FD_ENV];
  delete process.env[BACKGROUND_FD_ENV];
  const engine = await loadEngine();
  engine.prewarm?.(1, { refill: false });
  const emulation = chooseEmulation(await loadEmulations(), config.prison.path, config.command[0]);
  const registry = openRegistry();
  const devNull = config.background ? openSync('/dev/null', 'r+') : undefined;
  const jail = await engine
    .startJail({
      prison: config.prison,
      command: config.command,
      emulation,
      registry,
      ...(config.user === undefined ? {} : { user: { uid: config.user.uid, gid: config.user.gid } }),
      ...(config.prison.name === undefined ? {} : { name: config.prison.name }),
      ...(devNull === undefined ? {} : { stdio: [devNull, devNull, devNull] as const }),
      background: config.background,
    })
    .catch((e: unknown) => {
      throw nameClashOf(e) ?? e;
    });
  const stopCounters = keepCountersFile(registry, jail);
  if (reportFd !== undefined) {
    writeSync(Number(reportFd), `${jail.jid}\n`);
    closeSync(Number(reportFd));
    // Up and reported: let go of the caller's stderr too, so nothing waits on this background process.
    if (devNull !== undefined) dup3(devNull, 2);
  } else if (config.printJid) {
    process.stdout.write(`${jail.jid}\n`);
  }
  // ^C reaches the jailed command (same process group) and is its to handle; TERM and HUP stop the jail.
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void jail.stop());
  const exit = await jail.exited;
  stopCounters();
  return exitStatusOfJail(exit, constants.signals);
}

/**
 * -b: run the same command line again as a detached supervisor, print the JID it reports once the jail
 * is up, and return. If it fails first, its one error line has already gone to our stderr.
 */
function detach(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
      env: { ...process.env, [BACKGROUND_FD_ENV]: '3' },
    });
    let out = '';
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      out += d;
      const jid = out.match(/^([0-9]+)\n/);
      if (!jid) return;
      process.stdout.write(`${jid[1]}\n`);
      child.unref();
      pipe.removeAllListeners();
      (pipe as unknown as { destroy(): void }).destroy();
      child.removeAllListeners('exit');
      resolve(0);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) reject(new CliError('BACKGROUND_FAILED', 'the jail exited before it was up', 1));
      else resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
