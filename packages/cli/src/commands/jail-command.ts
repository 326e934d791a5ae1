// A jail of a command (jail(8) and sysjail(1) without -b): what startJail is given, the same whether the
// command starts the jail itself or hands it to the shared supervisor (daemon/run-handoff.ts).
import {
  type Emulation,
  JailNameInUseError,
  type JailOptions,
  jailEnvironment,
  jailPasswdEntry,
  loginEnvironment,
  type Registry,
} from '@sysjail/core';
import type { StartJailConfig } from '../config/index.js';
import { commandEmulation, jailEmulation, MIXED } from '../emulation-choice.js';
import { JailNameTakenError } from '../errors.js';

/** -n: fail before anything starts if a live jail has the name (the registry checks again, atomically). */
export function checkNameFree(registry: Registry, name: string | undefined): void {
  if (name === undefined) return;
  const other = registry.find(name);
  if (other) throw new JailNameTakenError(name, other.jid);
}

/** The registry's name clash, wherever startJail wrapped it, as the cli's usage error. */
export function nameClashOf(e: unknown): JailNameTakenError | undefined {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (c instanceof JailNameInUseError) return new JailNameTakenError(c.jailName, c.jid);
  }
  return undefined;
}

/**
 * The command's environment: the caller's with the jail's PATH, as FreeBSD's jail(8) passes it, or with
 * -l the clean login environment of the command's user (from the jail's passwd); then --unsetenv and
 * --setenv in order.
 */
export function commandEnvironment(
  config: StartJailConfig,
  callerEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env = config.environment?.clean
    ? loginEnvironment(config.prison.path, config.user?.uid ?? 0)
    : jailEnvironment(callerEnv);
  for (const [name, value] of config.environment?.changes ?? []) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** -l: the command starts in its user's home directory (from the jail's passwd), as FreeBSD's jail -l. */
export function commandDirectory(config: StartJailConfig): string | undefined {
  if (!config.environment?.clean) return undefined;
  return jailPasswdEntry(config.prison.path, config.user?.uid ?? 0)?.home ?? '/';
}

export function cwdOption(config: StartJailConfig): { cwd?: string } {
  const cwd = commandDirectory(config);
  return cwd === undefined ? {} : { cwd };
}

/**
 * What startJail is given for a jail of a command, but the registry and the supervision: the same for
 * jail(8) starting it itself and for the shared supervisor it hands the jail to (`callerEnv`: jail(8)'s
 * environment).
 */
export function commandJailOptions(
  config: StartJailConfig,
  emulations: readonly Emulation[],
  callerEnv: NodeJS.ProcessEnv,
): JailOptions {
  const { emulation, loader, underLoader, loaderBinfmt } = jailEmulation(
    emulations,
    commandEmulation(emulations, config.emulation, config.prison.path, config.command[0]),
    config.emulation === MIXED,
  );
  return {
    prison: config.prison,
    command: config.command,
    emulation,
    ...(loader === undefined ? {} : { loader, underLoader }),
    ...(loaderBinfmt === undefined ? {} : { loaderBinfmt }),
    ...(config.user === undefined ? {} : { user: { uid: config.user.uid, gid: config.user.gid } }),
    ...(config.limits === undefined ? {} : { limits: config.limits }),
    env: commandEnvironment(config, callerEnv),
    ...cwdOption(config),
    terminal: config.terminal,
  };
}
