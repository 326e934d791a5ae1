// jail -r: exec.prestop on the host, exec.stop inside, SIGTERM to every process of the jail and up to
// stop.timeout seconds for them to go, then the jail removed (its supervisor kills what is left and
// cleans up), exec.poststop and exec.release on the host. -R skips all of that but the removal.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { JailRecord } from '@sysjail/core';
import { close, pidfdOpen, pidfdSendSignal } from '@sysjail/systrace-bindings';
import { stopJail } from '../commands/stop-jail.js';
import { JailNotFoundError } from '../errors.js';
import type { JailSpec } from '../jail-conf/jail-spec.js';
import { type ConsoleLog, openConsoleLog } from './console-log.js';
import type { JailOpOptions } from './create-jail.js';
import { type HookContext, runHook } from './hooks.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The jail's processes (host pids) other than its init. */
function jailProcesses(record: JailRecord): number[] {
  if (!record.cgroupPath) return [];
  try {
    return readFileSync(join(record.cgroupPath, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((p) => p !== record.initPid);
  } catch {
    return [];
  }
}

/** SIGTERM to every process of the jail but its init: each by pidfd, still in the jail once opened. */
function terminateAll(record: JailRecord): void {
  for (const pid of jailProcesses(record)) {
    let fd: number;
    try {
      fd = pidfdOpen(pid);
    } catch {
      continue;
    }
    try {
      if (jailProcesses(record).includes(pid)) pidfdSendSignal(fd, constants.signals.SIGTERM);
    } catch {
    } finally {
      close(fd);
    }
  }
}

/**
 * Removes a running jail; `spec` is its jail.conf description when it has one. With `hooks` false
 * (-R, or undoing a failed creation) nothing runs but the removal.
 */
export async function removeJail(
  record: JailRecord,
  spec: JailSpec | undefined,
  opts: JailOpOptions,
  hooks: boolean,
): Promise<void> {
  const name = record.name ?? String(record.jid);
  const log: ConsoleLog | undefined =
    hooks && spec?.consoleLog ? openConsoleLog(spec.consoleLog, record.path) : undefined;
  const devNull = openSync('/dev/null', 'r');
  try {
    if (hooks && spec) {
      const ctx: HookContext = {
        spec,
        registryDir: opts.registry.dir,
        record,
        ...(log ? { out: log.fd } : {}),
        stdin: devNull,
        verbose: opts.verbose > 0,
      };
      await runHook(ctx, 'exec.prestop');
      if (opts.registry.find(record.jid)) await runHook(ctx, 'exec.stop');
    }
    const stopTimeout = spec?.stopTimeout ?? 10;
    if (hooks && stopTimeout > 0 && opts.registry.find(record.jid)) {
      terminateAll(record);
      for (const end = Date.now() + stopTimeout * 1000; Date.now() < end; await sleep(50)) {
        if (!opts.registry.find(record.jid) || jailProcesses(record).length === 0) break;
      }
    }
    try {
      if (opts.registry.find(record.jid)) await stopJail(opts.registry, record.jid, 5_000, 0);
    } catch (e) {
      // It ended on its own meanwhile (its last process): what was asked is done.
      const gone =
        e instanceof JailNotFoundError ||
        (e as { code?: string }).code === 'JAIL_NOT_FOUND' ||
        !opts.registry.find(record.jid);
      if (!gone) throw e;
    }
    if (hooks && spec) {
      const ctx: HookContext = {
        spec,
        registryDir: opts.registry.dir,
        ...(log ? { out: log.fd } : {}),
        stdin: devNull,
        verbose: opts.verbose > 0,
      };
      await runHook(ctx, 'exec.poststop');
      await runHook(ctx, 'exec.release');
    }
    if (opts.verbose > 0) process.stdout.write(`${name}: removed\n`);
  } finally {
    await log?.close();
    closeSync(devNull);
  }
}
