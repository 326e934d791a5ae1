import { isSameProcess, type Registry } from '@sysjail/core';
import { removeBackgroundJail, supervisorSocketOf } from '../daemon/background-jail.js';
import { CliError, JailNotFoundError } from '../errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gone(registry: Registry, jid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    if (!registry.find(jid)) return true;
  }
  return !registry.find(jid);
}

/**
 * jail -r: a jail of the shared supervisor is removed by it (SIGTERM to its processes, `timeoutMs`,
 * SIGKILL). A foreground jail's own supervisor is asked to stop it (SIGTERM: it stops the jail, cleans
 * up, deregisters); if it has not within `graceMs`, its init is killed (SIGKILL ends its whole PID
 * namespace). Signals only processes whose start time matches the record (no pid-reuse accidents).
 */
export async function stopJail(
  registry: Registry,
  ref: number | string,
  graceMs = 5_000,
  timeoutMs?: number,
): Promise<void> {
  const r = registry.find(ref);
  if (!r) throw new JailNotFoundError(ref);
  if (supervisorSocketOf(r) !== undefined) {
    await removeBackgroundJail(r, timeoutMs);
    if (await gone(registry, r.jid, graceMs)) return;
    throw new CliError('STOP_FAILED', `jail ${r.jid} did not stop`, 1);
  }
  if (isSameProcess(r.supervisorPid, r.supervisorStartTime)) process.kill(r.supervisorPid, 'SIGTERM');
  if (await gone(registry, r.jid, graceMs)) return;
  if (r.initPid !== undefined && isSameProcess(r.initPid, r.initStartTime))
    process.kill(r.initPid, 'SIGKILL');
  if (await gone(registry, r.jid, graceMs)) return;
  throw new CliError('STOP_FAILED', `jail ${r.jid} did not stop`, 1);
}
