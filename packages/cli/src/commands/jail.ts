import { constants } from 'node:os';
import { JailNameInUseError, openRegistry, type Registry } from '@sysjail/core';
import { type JailTool, parseJailArgs, type StartJailConfig } from '../config/index.js';
import { keepCountersFile } from '../counters-file.js';
import { startBackgroundJail } from '../daemon/background-jail.js';
import { chooseEmulation } from '../emulation-choice.js';
import { exitStatusOfJail, loadEmulations, loadEngine } from '../engine.js';
import { JailNameTakenError } from '../errors.js';
import { stopJail } from './stop-jail.js';

/** jail(8) and sysjail(1): start a jail and wait for its command, start one in the background (-b), or stop one (-r). */
export async function jailMain(tool: JailTool, argv: readonly string[]): Promise<number> {
  const config = parseJailArgs(tool, argv, { euid: process.geteuid?.() ?? -1 });
  if (config.kind === 'remove') {
    await stopJail(openRegistry(), config.jail);
    return 0;
  }
  checkNameFree(openRegistry(), config.prison.name);
  if (config.background) return runInBackground(config);
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

/** -b: the shared supervisor starts and keeps the jail; print its JID once the command runs. */
async function runInBackground(config: StartJailConfig): Promise<number> {
  const { jid } = await startBackgroundJail({
    prison: config.prison,
    command: config.command,
    ...(config.user === undefined ? {} : { user: { uid: config.user.uid, gid: config.user.gid } }),
  });
  process.stdout.write(`${jid}\n`);
  return 0;
}

async function runJail(config: StartJailConfig): Promise<number> {
  const engine = await loadEngine();
  engine.prewarm?.(1, { refill: false });
  const emulation = chooseEmulation(await loadEmulations(), config.prison.path, config.command[0]);
  const registry = openRegistry();
  const jail = await engine
    .startJail({
      prison: config.prison,
      command: config.command,
      emulation,
      registry,
      ...(config.user === undefined ? {} : { user: { uid: config.user.uid, gid: config.user.gid } }),
      ...(config.prison.name === undefined ? {} : { name: config.prison.name }),
    })
    .catch((e: unknown) => {
      throw nameClashOf(e) ?? e;
    });
  const stopCounters = keepCountersFile(registry, jail);
  if (config.printJid) process.stdout.write(`${jail.jid}\n`);
  // ^C reaches the jailed command (same process group) and is its to handle; TERM and HUP stop the jail.
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void jail.stop());
  const exit = await jail.exited;
  stopCounters();
  return exitStatusOfJail(exit, constants.signals);
}
