import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { countersDir, type Jail, type Registry, writeJailCounters } from '@sysjail/core';

/** Where keepCountersFile keeps a jail's counters: <dir>/<jid>.json. */
export function countersFileOf(jid: number, dir = countersDir()): string {
  return join(dir, `${jid}.json`);
}

/**
 * While the jail runs, the supervisor (this process) writes its counters every `periodMs` to
 * countersFileOf(jid, dir) and names that file in the jail's record, for sjls (unless `named`: the
 * start named it there already, startJail's `countersPath`). Returns the stop function, which removes
 * the file.
 */
export function keepCountersFile(
  registry: Registry,
  jail: Pick<Jail, 'jid' | 'counters'>,
  dir = countersDir(),
  periodMs = 1000,
  named = false,
): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = countersFileOf(jail.jid, dir);
  const write = () => {
    const c = jail.counters();
    try {
      writeJailCounters(path, { denied: c.denied, emulated: c.emulated, byCall: c.byCall });
    } catch {} // a full disk costs sjls its numbers, never the jail (or a shared supervisor's others)
  };
  write();
  if (!named) {
    try {
      registry.update(jail.jid, { countersPath: path });
    } catch {}
  }
  const timer = setInterval(write, periodMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    try {
      unlinkSync(path);
    } catch {}
  };
}
