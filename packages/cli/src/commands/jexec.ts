import { constants } from 'node:os';
import { type Emulation, execInJail, type JailExec, openRegistry, type Registry } from '@sysjail/core';
import { exitProcess } from '@sysjail/systrace-bindings';
import { getopt } from '../config/getopt.js';
import { parseJailRef } from '../config/jail-name.js';
import { chooseEmulation } from '../emulation-choice.js';
import { installedEmulations } from '../emulations.js';
import { JailNotFoundError, MissingArgumentError, NotRootError, RuntimeError } from '../errors.js';
import { exitStatusOfJail } from '../exit-status.js';
import { endProcessWith } from '../run-tool.js';

// koffi is loaded by the emulation choice: its exit handlers fsync stdout and stderr (see exitProcess).
endProcessWith(exitProcess);

const FORWARDED: NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
];

/**
 * jexec(8): `jexec [-ltT] [-P subpolicy] [-u username | -U username] jid|name [command ...]` (no
 * command: /bin/sh).
 */
export async function jexecMain(argv: readonly string[], registry?: Registry): Promise<number> {
  const { options, operands } = getopt(argv, { short: 'ltTP:u:U:' });
  let user: string | undefined;
  let subPolicy: string | undefined;
  let userInJail = false;
  let cleanEnvironment = false;
  let terminal: 'auto' | 'force' | 'never' = 'auto';
  for (const o of options) {
    if (o.name === 'l') cleanEnvironment = true;
    else if (o.name === 't') terminal = 'force';
    else if (o.name === 'T') terminal = 'never';
    else if (o.name === 'P') subPolicy = o.value;
    else {
      user = o.value;
      userInJail = o.name === 'U';
    }
  }
  const [jail, ...rest] = operands;
  if (jail === undefined) throw new MissingArgumentError('jail');
  if ((process.geteuid?.() ?? -1) !== 0) throw new NotRootError('jexec');
  const ref = parseJailRef(jail);
  const reg = registry ?? openRegistry();
  const record = reg.find(ref);
  if (!record) throw new JailNotFoundError(ref);
  const command = rest.length ? rest : ['/bin/sh'];
  let run: JailExec;
  try {
    run = await execInJail({
      record,
      command,
      ...(await underLoader(record.path, command[0] as string)),
      ...(user === undefined ? {} : { user, userInJail }),
      cleanEnvironment,
      terminal,
      ...(subPolicy === undefined ? {} : { subPolicy }),
      registryDir: reg.dir,
    });
  } catch (e) {
    // An unknown user: nothing was started.
    if ((e as { code?: string }).code === 'EJEXECUSER')
      throw new RuntimeError('UNKNOWN_USER', (e as Error).message);
    throw e;
  }
  // The command runs in a session of its own: signals meant for it (^C on the terminal) reach jexec.
  const forward = (signal: NodeJS.Signals) => run.kill(signal);
  for (const s of FORWARDED) process.on(s, forward);
  try {
    return exitStatusOfJail(await run.exited, constants.signals);
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}

/** A program of an emulation with a loader (FreeBSD) runs under the jail's loader. */
async function underLoader(root: string, command: string): Promise<{ underLoader?: true }> {
  let chosen: Emulation;
  try {
    chosen = chooseEmulation(await installedEmulations(), root, command);
  } catch {
    return {}; // not found or unreadable: the jail's init says so
  }
  return chosen.loader ? { underLoader: true } : {};
}
