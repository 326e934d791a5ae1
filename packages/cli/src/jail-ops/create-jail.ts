// jail -c: exec.prepare and exec.prestart on the host, the jail created (in the background: it
// outlives this command), exec.created on the host, exec.start (or command=) inside, exec.poststart
// on the host; any failure removes the jail again. Then FreeBSD's "name: created".
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import type { Registry } from '@sysjail/core';
import { CliError, JailExistsError } from '../errors.js';
import type { JailSpec } from '../jail-conf/jail-spec.js';
import { startJailInBackground } from './background-jail.js';
import { type ConsoleLog, openConsoleLog } from './console-log.js';
import { type HookContext, runCommand, runHook } from './hooks.js';
import { removeJail } from './remove-jail.js';

export interface JailOpOptions {
  readonly registry: Registry;
  /** -q: -1, default 0 (errors only, as -q), -v: 1 (`name: created`, `name: removed`, each command). */
  readonly verbose: number;
  /** -i: print the JID of each created jail (implies -q). */
  readonly printJid: boolean;
  /** -J: append each created jail's parameters to this file. */
  readonly jidFile?: string;
}

/** Creates one jail; returns the exit status (the command's, for command=). */
export async function createJail(spec: JailSpec, opts: JailOpOptions): Promise<number> {
  if (spec.name && opts.registry.find(spec.name)) throw new JailExistsError(spec.name);
  const interactive = spec.commandArgv !== undefined;
  const log: ConsoleLog | undefined = spec.consoleLog
    ? openConsoleLog(spec.consoleLog, spec.prison.path)
    : undefined;
  const devNull = openSync('/dev/null', 'r');
  const ctx: HookContext = {
    spec,
    registryDir: opts.registry.dir,
    ...(log ? { out: log.fd } : {}),
    stdin: interactive ? 0 : devNull,
    verbose: opts.verbose > 0,
  };
  try {
    await runHook(ctx, 'exec.prepare');
    await runHook(ctx, 'exec.prestart');
    const jid = await startJailInBackground({
      prison: spec.prison,
      persist: spec.persist,
      changeableFlags: spec.changeableFlags,
      ...(spec.subPolicies ? { subPolicies: spec.subPolicies } : {}),
      limits: spec.limits,
      ...(spec.emulation === undefined ? {} : { emulation: spec.emulation }),
    });
    ctx.record = opts.registry.find(jid);
    if (!ctx.record) throw new CliError('JAIL_GONE', `${spec.name || jid}: the jail ended as it started`, 1);
    let status = 0;
    try {
      await runHook(ctx, 'exec.created');
      await runHook(ctx, 'exec.start');
      if (spec.commandArgv) {
        const exit = await runCommand(ctx, 'command', spec.commandArgv, spec.commandArgv.join(' '));
        status = exit.signal
          ? 128 + (constants.signals[exit.signal as NodeJS.Signals] ?? 0)
          : (exit.code ?? 0);
      } else {
        await runHook(ctx, 'command');
      }
      if (status === 0) await runHook(ctx, 'exec.poststart');
    } catch (e) {
      await removeJail(ctx.record, undefined, { ...opts, verbose: -1 }, false).catch(() => {});
      throw e;
    }
    if (status !== 0) {
      await removeJail(ctx.record, undefined, { ...opts, verbose: -1 }, false).catch(() => {});
      return status;
    }
    if (opts.printJid) process.stdout.write(`${jid}\n`);
    else if (opts.verbose > 0) process.stdout.write(`${spec.name || jid}: created\n`);
    if (opts.jidFile) appendFileSync(opts.jidFile, `${jidFileLine(jid, spec)}\n`, { mode: 0o600 });
    return 0;
  } finally {
    await log?.close();
    closeSync(devNull);
  }
}

/** -J: `jid=N name=... param=value ...`, values quoted as jail(8) would read them back. */
export function jidFileLine(jid: number, spec: JailSpec): string {
  const quote = (v: string) =>
    /^[A-Za-z0-9_.,:/@%+-]+$/.test(v) ? v : `"${v.replace(/(["\\$])/g, '\\$1')}"`;
  const parts = [`jid=${jid}`];
  if (spec.name && !spec.params.some((p) => p.name === 'name')) parts.push(`name=${quote(spec.name)}`);
  for (const p of spec.params) {
    if (p.values.length === 0) parts.push(p.name);
    else parts.push(`${p.name}=${quote(p.values.join(','))}`);
  }
  return parts.join(' ');
}
