// Running jail(8)'s exec.* commands: host hooks on the host (as exec.system_user), exec.start,
// command and exec.stop inside the jail through jexec (as exec.jail_user), in order, each waited
// for (bounded by exec.timeout) and required to succeed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { execInJail, type JailRecord } from '@sysjail/core';
import { resolveJailUser } from '../config/jail-user.js';
import { chooseEmulation, emulationNamed, MIXED } from '../emulation-choice.js';
import { installedEmulations } from '../emulations.js';
import { CliError, HookFailedError } from '../errors.js';
import { type HookName, IN_JAIL_HOOKS, type JailSpec } from '../jail-conf/jail-spec.js';
import { commandArgv } from './command-line.js';

/** How a hook's command ended. */
export interface CommandExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface HookContext {
  readonly spec: JailSpec;
  readonly registryDir: string;
  /** The running jail, for the hooks run inside it. */
  record?: JailRecord;
  /** stdout and stderr of every hook (the console log's pipe); default: ours. */
  readonly out?: number;
  /** stdin of the commands: ours for `command=` on the command line, /dev/null for the others. */
  readonly stdin: number;
  /** -v: print each command before running it. */
  readonly verbose: boolean;
}

/** FreeBSD's exec.clean environment: HOME, SHELL, USER of the target login, TERM, PATH. */
function cleanEnv(home: string, shell: string, user: string): Record<string, string> {
  const env: Record<string, string> = { PATH: '/bin:/usr/bin', HOME: home, SHELL: shell, USER: user };
  if (process.env.TERM) env.TERM = process.env.TERM;
  return env;
}

function label(ctx: HookContext): string {
  return ctx.spec.name || String(ctx.record?.jid ?? '');
}

/** Runs every command of a hook, in order. */
export async function runHook(ctx: HookContext, hook: HookName): Promise<void> {
  for (const line of ctx.spec.hooks[hook]) {
    const { argv, background } = commandArgv(line);
    if (argv.length === 0) continue;
    await runCommand(ctx, hook, argv, line, background);
  }
}

/** Runs one command (an argv) of a hook; `line` is how it is reported. */
/**
 * Whether an in-jail command runs under the jail's program loader: by sysjail.emulation when the jail
 * names one (a usage error for an unknown name), else by what the binary is (a FreeBSD program).
 */
async function underLoader(spec: JailSpec, root: string, command: string): Promise<boolean> {
  const emulations = await installedEmulations();
  if (spec.emulation !== undefined && spec.emulation !== MIXED)
    return emulationNamed(emulations, spec.emulation).loader !== undefined;
  try {
    return chooseEmulation(emulations, root, command).loader !== undefined;
  } catch {
    return false; // not found or unreadable: the jail's init says so
  }
}

export async function runCommand(
  ctx: HookContext,
  hook: HookName,
  argv: readonly string[],
  line: string,
  background = false,
): Promise<CommandExit> {
  const inJail = IN_JAIL_HOOKS.has(hook);
  const user = inJail ? ctx.spec.jailUser : ctx.spec.systemUser;
  if (ctx.verbose) {
    process.stdout.write(
      `${label(ctx)}: run command${inJail ? ' in jail' : ''}${user ? ` as ${user}` : ''}: ${line}\n`,
    );
  }
  const hostBackground = background && !inJail;
  const out = ctx.out ?? 1;
  const err = ctx.out ?? 2;
  let exited: Promise<CommandExit>;
  let kill: () => void;
  if (inJail) {
    if (!ctx.record) throw new CliError('JAIL_GONE', `${label(ctx)}: the jail is not running`, 1);
    // In the background (`cmd &`): started by the jail's sh, which returns at once, so that the command
    // is not hung up when this jexec session closes.
    const command = background ? ['/bin/sh', '-c', '"$@" &', 'sh', ...argv] : argv;
    const run = await execInJail({
      record: ctx.record,
      command,
      ...((await underLoader(ctx.spec, ctx.record.path, command[0] as string)) ? { underLoader: true } : {}),
      ...(user === undefined ? {} : { user, userInJail: !ctx.spec.systemJailUser }),
      cleanEnvironment: ctx.spec.clean,
      registryDir: ctx.registryDir,
      stdio: [ctx.stdin, out, err],
    });
    exited = run.exited;
    kill = () => (run as { kill?(s: NodeJS.Signals): void }).kill?.('SIGKILL');
  } else {
    const login = user === undefined ? undefined : resolveJailUser('/', user);
    const passwdUser = ctx.spec.clean ? resolveJailUser('/', user ?? '0') : undefined;
    const child = spawn(argv[0], argv.slice(1), {
      stdio: [ctx.stdin, out, err],
      env: ctx.spec.clean
        ? cleanEnv(passwdHome(passwdUser?.name ?? 'root'), '/bin/sh', passwdUser?.name ?? 'root')
        : process.env,
      ...(login ? { uid: login.uid, gid: login.gid } : {}),
      detached: hostBackground,
    });
    exited = new Promise((resolve) => {
      child.on('error', () => resolve({ code: 127, signal: null }));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    if (hostBackground) child.unref();
    kill = () => child.kill('SIGKILL');
  }
  if (hostBackground) return { code: 0, signal: null };
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  if (ctx.spec.execTimeout > 0) {
    timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, ctx.spec.execTimeout * 1000);
  }
  const exit = await exited.finally(() => clearTimeout(timer));
  if (timedOut) throw new HookFailedError(label(ctx), line, 'timed out');
  if (hook === 'command') return exit;
  if (exit.signal) {
    throw new HookFailedError(
      label(ctx),
      line,
      `exited on signal ${constants.signals[exit.signal as NodeJS.Signals] ?? exit.signal}`,
    );
  }
  if (exit.code !== 0) throw new HookFailedError(label(ctx), line, 'failed');
  return exit;
}

/** The home directory of a host user (/etc/passwd), / if none. */
function passwdHome(name: string): string {
  try {
    for (const l of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = l.split(':');
      if (f[0] === name && f.length >= 7) return f[5] || '/';
    }
  } catch {}
  return '/';
}
