import { isSameProcess, type Registry } from '@sysjail/core';
import { CliError, JailNotFoundError } from '../errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gone(registry: Registry, jid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    if (!registry.find(jid)) return true;
  }
  return !registry.find(jid);
}

/**
 * jail -r: asks the jail's supervisor to stop it (SIGTERM: it stops the jail, cleans up, deregisters);
 * if it has not within `graceMs`, kills the jail's init (SIGKILL ends its whole PID namespace).
 * Signals only processes whose start time matches the record (no pid-reuse accidents).
 */
export async function stopJail(registry: Registry, ref: number | string, graceMs = 5_000): Promise<void> {
  const r = registry.find(ref);
  if (!r) throw new JailNotFoundError(ref);
  if (isSameProcess(r.supervisorPid, r.supervisorStartTime)) process.kill(r.supervisorPid, 'SIGTERM');
  if (await gone(registry, r.jid, graceMs)) return;
  if (r.initPid !== undefined && isSameProcess(r.initPid, r.initStartTime))
    process.kill(r.initPid, 'SIGKILL');
  if (await gone(registry, r.jid, graceMs)) return;
  throw new CliError('STOP_FAILED', `jail ${r.jid} did not stop`, 1);
}
