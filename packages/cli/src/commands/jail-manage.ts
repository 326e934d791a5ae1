// jail(8) with -c, -r, -rc, -R, -m: jails described in jail.conf(5) (or by parameters on the command
// line), created, removed and restarted with their hooks, in `depend` order.
import { openRegistry } from '@sysjail/core';
import { getopt } from '../config/getopt.js';
import { parseJailRef } from '../config/jail-name.js';
import {
  JailConfError,
  JailNotFoundError,
  MissingArgumentError,
  NotRootError,
  NotSupportedError,
  UsageError,
} from '../errors.js';
import { loadConfBlocks } from '../jail-conf/conf-files.js';
import { jailSpec } from '../jail-conf/jail-spec.js';
import {
  type ResolvedJail,
  type ResolvedParam,
  resolveJails,
  wildcardMatches,
} from '../jail-conf/resolve.js';
import { createJail, type JailOpOptions } from '../jail-ops/create-jail.js';
import { creationOrder, removalOrder } from '../jail-ops/depend-order.js';
import { modifyJail, modifyParams } from '../jail-ops/modify-jail.js';
import { removeJail } from '../jail-ops/remove-jail.js';
import { MANAGE_OPTIONS } from './jail-manage-args.js';

const cliPos = { file: '', line: 0, column: 0 };

/** `name=value ... [command=argv ...]` → a jail described on the command line. */
function commandLineJail(
  operands: readonly string[],
  extra: ResolvedParam[],
): { jail: ResolvedJail; argv?: string[] } {
  const params: ResolvedParam[] = [...extra];
  let argv: string[] | undefined;
  let name = '';
  for (let i = 0; i < operands.length; i++) {
    const op = operands[i];
    const eq = op.indexOf('=');
    const key = eq < 0 ? op : op.slice(0, eq);
    if (key === 'command') {
      argv = [...(eq < 0 ? [] : [op.slice(eq + 1)]), ...operands.slice(i + 1)].filter(
        (a, j) => j > 0 || a !== '',
      );
      params.push({ name: 'command', values: argv, pos: cliPos });
      break;
    }
    if (key === 'name') {
      name = op.slice(eq + 1);
      continue;
    }
    const at = params.findIndex((p) => p.name === key);
    const p = { name: key, values: eq < 0 ? [] : [op.slice(eq + 1)], pos: cliPos };
    if (at >= 0) params[at] = p;
    else params.push(p);
  }
  return { jail: { name, pos: cliPos, params }, ...(argv ? { argv } : {}) };
}

/** jail -c/-r/-rc/-R/-m. */
export async function jailManageMain(argv: readonly string[]): Promise<number> {
  const { options, operands } = getopt(argv, { short: MANAGE_OPTIONS });
  const has = (l: string) => options.some((o) => o.name === l);
  const value = (l: string) => options.filter((o) => o.name === l).at(-1)?.value;
  let create = has('c');
  const remove = has('r');
  const removeQuiet = has('R');
  if (has('m') && (create || remove || has('R'))) {
    throw new NotSupportedError('-m goes alone: -cm, -mr and -cmr are not supported');
  }
  if (removeQuiet && (create || remove))
    throw new UsageError('BAD_OPERATION', '-R cannot be combined with -c or -r');
  if (has('d')) throw new NotSupportedError('-d: not supported (there are no dying jails to change)');
  if (has('h'))
    throw new NotSupportedError(
      '-h: ip_hostname is not supported: give the addresses in ip4.addr and ip6.addr',
    );
  if (has('s')) throw new NotSupportedError('-s: securelevel is not supported (Linux has no securelevel)');
  const limit = value('p');
  if (limit !== undefined && !/^[1-9][0-9]*$/.test(limit))
    throw new UsageError('BAD_LIMIT', `-p: bad limit: ${limit}`);
  if ((process.geteuid?.() ?? -1) !== 0) throw new NotRootError('jail');
  const registry = openRegistry();
  const opts: JailOpOptions = {
    registry,
    verbose: has('i') || has('q') ? -1 : has('v') ? 1 : 0,
    printJid: has('i'),
    ...(value('J') === undefined ? {} : { jidFile: value('J') }),
  };
  if (has('m')) {
    // jail -m name param=value ...
    // The jail: a first operand without `=`, or (as FreeBSD writes it) name=... or jid=...
    let ref: string | undefined;
    let params = operands;
    if (operands[0] !== undefined && !operands[0].includes('=')) [ref, ...params] = operands;
    for (const p of params.filter((o) => /^(name|jid)=/.test(o))) ref = p.slice(p.indexOf('=') + 1);
    params = params.filter((o) => !/^(name|jid)=/.test(o));
    if (ref === undefined || ref === '')
      throw new UsageError('MISSING_ARGUMENT', '-m needs a jail (name, or name= or jid=)');
    if (params.length === 0) throw new UsageError('MISSING_ARGUMENT', '-m needs parameters to change');
    const changes = modifyParams(params);
    const record = registry.find(parseJailRef(ref));
    if (!record) throw new JailNotFoundError(parseJailRef(ref));
    await modifyJail(record, changes, opts.verbose);
    return 0;
  }
  const extra: ResolvedParam[] = [];
  if (has('n')) extra.push({ name: 'name', values: [value('n') as string], pos: cliPos });
  if (has('l')) extra.push({ name: 'exec.clean', values: [], pos: cliPos });
  if (value('u') !== undefined) {
    extra.push({ name: 'exec.jail_user', values: [value('u') as string], pos: cliPos });
    extra.push({ name: 'exec.system_jail_user', values: [], pos: cliPos });
  }
  if (value('U') !== undefined)
    extra.push({ name: 'exec.jail_user', values: [value('U') as string], pos: cliPos });

  // Parameters on the command line: one jail, no jail.conf.
  if (operands.length > 0 && operands[0].includes('=')) {
    if (!create || remove || removeQuiet)
      throw new UsageError('BAD_OPERATION', 'parameters on the command line go with -c');
    const { jail, argv: command } = commandLineJail(
      operands,
      extra.filter((p) => p.name !== 'name'),
    );
    const named: ResolvedJail = { ...jail, name: value('n') ?? jail.name };
    let spec = jailSpec(named, { forCreate: true });
    if (command) spec = { ...spec, commandArgv: command, hooks: { ...spec.hooks, command: [] } };
    return createJail(spec, opts);
  }
  if (extra.length > 0)
    throw new UsageError('BAD_OPERATION', '-l, -n, -u and -U go with parameters on the command line');

  const names = operands;
  // Removal works without any jail.conf (a jail started otherwise, or * for every jail).
  const resolved = removeQuiet ? [] : loadJails(value('f'), names, create);
  const conf = resolved.map((j) => jailSpec(j, { forCreate: false }));
  const specs = new Map(conf.map((s) => [s.name, s]));
  const running = () => registry.list().map((r) => r.name ?? String(r.jid));
  let status = 0;
  if (remove || removeQuiet) {
    if (names.length === 0) throw new MissingArgumentError('jail to remove');
    // Jails named that are not running: one line each, exit 1, the others are still removed
    // (with -rc they are simply created).
    const targets: string[] = [];
    for (const n of names) {
      if (n.includes('*')) targets.push(...running().filter((r) => wildcardMatches(n, r)));
      else if (registry.find(parseJailRef(n))) targets.push(n);
      else if (!create) {
        process.stderr.write(`jail: ${new JailNotFoundError(parseJailRef(n)).message}\n`);
        status = 1;
      }
    }
    for (const t of removalOrder(specs, targets, running())) {
      const record = registry.find(parseJailRef(t));
      if (!record) continue;
      await removeJail(record, specs.get(record.name ?? ''), opts, !removeQuiet);
    }
    create = create && remove;
  }
  if (create) {
    const requested = names.length === 0 || names.includes('*') ? conf.map((s) => s.name) : names;
    for (const n of requested)
      if (!specs.has(n)) throw new JailConfError(undefined, `jail "${n}" is not in the configuration`);
    // Every jail to create is checked (path, process) before the first is created.
    const byName = new Map(resolved.map((j) => [j.name, j]));
    const order = creationOrder(specs, requested, (n) => registry.find(n) !== undefined).map((s) =>
      jailSpec(byName.get(s.name) as ResolvedJail, { forCreate: true }),
    );
    for (const spec of order) {
      status = await createJail(spec, opts);
      if (status !== 0) return status;
    }
  }
  return status;
}

/** The jails of the configuration (none when removing and there is no default jail.conf). */
function loadJails(file: string | undefined, names: readonly string[], forCreate: boolean): ResolvedJail[] {
  try {
    return resolveJails(loadConfBlocks({ ...(file === undefined ? {} : { file }), names }));
  } catch (e) {
    if (!forCreate && file === undefined && e instanceof JailConfError && e.pos === undefined) return [];
    throw e;
  }
}
