import { constants } from 'node:os';
import { openRegistry, type Registry } from '@sysjail/core';
import { getopt } from '../config/getopt.js';
import { parseJailRef } from '../config/jail-name.js';
import { exitStatusOfJail, loadEngine } from '../engine.js';
import { EngineUnavailableError, JailNotFoundError, MissingArgumentError, NotRootError } from '../errors.js';

/** jexec(8): `jexec [-l] [-u username | -U username] jid|name [command ...]` (no command: /bin/sh). */
export async function jexecMain(argv: readonly string[], registry?: Registry): Promise<number> {
  const { options, operands } = getopt(argv, { short: 'lu:U:' });
  let user: string | undefined;
  let userInJail = false;
  let cleanEnvironment = false;
  for (const o of options) {
    if (o.name === 'l') cleanEnvironment = true;
    else {
      user = o.value;
      userInJail = o.name === 'U';
    }
  }
  const [jail, ...rest] = operands;
  if (jail === undefined) throw new MissingArgumentError('jail');
  if ((process.geteuid?.() ?? -1) !== 0) throw new NotRootError('jexec');
  const ref = parseJailRef(jail);
  const record = (registry ?? openRegistry()).find(ref);
  if (!record) throw new JailNotFoundError(ref);
  const engine = await loadEngine();
  if (!engine.execInJail) throw new EngineUnavailableError();
  const { exited } = await engine.execInJail({
    record,
    command: rest.length ? rest : ['/bin/sh'],
    ...(user === undefined ? {} : { user, userInJail }),
    cleanEnvironment,
  });
  process.on('SIGINT', () => {});
  return exitStatusOfJail(await exited, constants.signals);
}
