import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type Jail, type Registry, sysjailRunDir, writeJailCounters } from '@sysjail/core';

/**
 * While the jail runs, the supervisor (this process) writes its counters every `periodMs` to
 * <run dir>/counters/<jid>.json and names that file in the jail's record, for sjls. Returns the stop
 * function, which removes the file.
 */
export function keepCountersFile(
  registry: Registry,
  jail: Pick<Jail, 'jid' | 'counters'>,
  dir = join(sysjailRunDir(), 'counters'),
  periodMs = 1000,
): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, `${jail.jid}.json`);
  const write = () => {
    const c = jail.counters();
    try {
      writeJailCounters(path, { denied: c.denied, emulated: c.emulated, byCall: c.byCall });
    } catch {} // a full disk costs sjls its numbers, never the jail (or a shared supervisor's others)
  };
  write();
  try {
    registry.update(jail.jid, { countersPath: path });
  } catch {}
  const timer = setInterval(write, periodMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    try {
      unlinkSync(path);
    } catch {}
  };
}
