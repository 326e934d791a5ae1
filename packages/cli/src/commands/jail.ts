import { constants } from 'node:os';
import { openRegistry, prewarm, startJail } from '@sysjail/core';
import { exitProcess } from '@sysjail/systrace-bindings';
import {
  type JailTool,
  parseJailArgs,
  type RemoveJailConfig,
  type StartJailConfig,
} from '../config/index.js';
import { consoleLogPath } from '../console-log.js';
import { countersFileOf, keepCountersFile } from '../counters-file.js';
import { FORWARDED_SIGNALS } from '../daemon/protocol.js';
import { installedEmulations } from '../emulations.js';
import { CliError } from '../errors.js';
import { exitStatusOfJail, undoFailureLines } from '../exit-status.js';
import { endProcessWith } from '../run-tool.js';
import {
  checkNameFree,
  commandEnvironment,
  commandJailOptions,
  cwdOption,
  nameClashOf,
} from './jail-command.js';
import { isManageCommand } from './jail-manage-args.js';

// The other forms' modules (jail -c/-m/-r/-R with jail.conf, --explain, -b's client, stopping a jail) are
// imported by the form that uses them: a jail of a command (or a usage error) does not initialize them.

// A jail loads koffi: its exit handlers fsync stdout and stderr (see exitProcess).
endProcessWith(exitProcess);

/** jail(8) and sysjail(1): start a jail and wait for its command, start one in the background (-b), or stop one (-r). */
export async function jailMain(tool: JailTool, argv: readonly string[]): Promise<number> {
  if (tool === 'jail' && isManageCommand(argv))
    return (await import('./jail-manage.js')).jailManageMain(argv);
  const config = parseJailArgs(tool, argv, { euid: process.geteuid?.() ?? -1 });
  if (config.kind === 'remove') return removeJails(tool, config);
  if (config.kind === 'explain') {
    process.stdout.write(await (await import('./explain.js')).explainText(config));
    return 0;
  }
  checkNameFree(openRegistry(), config.prison.name);
  if (config.background) return runInBackground(config);
  return runJail(config);
}

/**
 * jail -r: stops each jail named (or every jail for '*'), in order; one that is not found or does not
 * stop is one line on stderr and exit status 1, the others are still stopped. -v: `NAME: removed`.
 */
async function removeJails(tool: JailTool, config: RemoveJailConfig): Promise<number> {
  const registry = openRegistry();
  const refs = config.jails === '*' ? registry.list().map((r) => r.jid) : config.jails;
  let status = 0;
  for (const ref of refs) {
    const record = registry.find(ref);
    try {
      await (await import('./stop-jail.js')).stopJail(registry, ref);
      if (config.verbose) process.stdout.write(`${record?.name ?? record?.jid ?? ref}: removed\n`);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      process.stderr.write(`${tool}: ${e.message}\n`);
      status = 1;
    }
  }
  return status;
}

/** -b: the shared supervisor starts and keeps the jail; print its JID once the command runs. */
async function runInBackground(config: StartJailConfig): Promise<number> {
  const { startBackgroundJail } = await import('../daemon/background-jail.js');
  const { jid } = await startBackgroundJail({
    prison: config.prison,
    command: config.command,
    ...(config.user === undefined ? {} : { user: { uid: config.user.uid, gid: config.user.gid } }),
    // The command's output: a log file per jail, named after the jail (its host name if unnamed).
    consoleLog: consoleLogPath(config.prison.name ?? config.prison.hostname),
    ...(config.limits === undefined ? {} : { limits: config.limits }),
    ...(config.emulation === undefined ? {} : { emulation: config.emulation }),
    env: commandEnvironment(config),
    ...cwdOption(config),
  });
  process.stdout.write(`${jid}\n`);
  return 0;
}

async function runJail(config: StartJailConfig): Promise<number> {
  // From here on, INT, TERM and HUP sent to jail(8) go to the jail's init, which passes them to the
  // command: it decides, and the status says how it ended (130, 143, 129 when it dies of them). One
  // that comes while the jail starts is passed on once it is up.
  const forwarder = forwardSignals();
  // One jail, served from this thread's event loop: no supervisor worker thread to boot.
  prewarm({ supervision: 'thread' });
  const registry = openRegistry();
  const jail = await startJail({
    ...commandJailOptions(config, await installedEmulations(), process.env),
    registry,
    countersPath: (jid) => countersFileOf(jid),
    supervision: 'thread',
  }).catch((e: unknown) => {
    throw nameClashOf(e) ?? e;
  });
  const stopCounters = keepCountersFile(registry, jail, undefined, undefined, true);
  if (config.printJid) process.stdout.write(`${jail.jid}\n`);
  forwarder.to((sig) => jail.signalInit(constants.signals[sig]));
  const exit = await jail.exited;
  forwarder.close();
  stopCounters();
  for (const line of undoFailureLines(config.tool, exit)) process.stderr.write(line);
  return exitStatusOfJail(exit, constants.signals);
}

/** Catches FORWARDED_SIGNALS at once; passes them to `to(send)` once known (the ones held first too). */
function forwardSignals(): { to(send: (sig: NodeJS.Signals) => void): void; close(): void } {
  let send: ((sig: NodeJS.Signals) => void) | undefined;
  const held: NodeJS.Signals[] = [];
  const onSignal = (sig: NodeJS.Signals) => (send === undefined ? held.push(sig) : send(sig));
  for (const sig of FORWARDED_SIGNALS) process.on(sig, onSignal);
  return {
    to(f) {
      send = f;
      for (const sig of held.splice(0)) f(sig);
    },
    close() {
      for (const sig of FORWARDED_SIGNALS) process.off(sig, onSignal);
    },
  };
}
