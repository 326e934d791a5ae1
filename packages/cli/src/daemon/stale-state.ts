import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { countersDir, type Registry } from '@sysjail/core';

/** Counters files (<run dir>/counters/<jid>.json) of jails that are no longer live. */
export function removeStaleCounters(registry: Registry, dir = countersDir()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const live = new Set(registry.list().map((r) => `${r.jid}.json`));
  for (const n of names) {
    if (/^[0-9]+\.json$/.test(n) && !live.has(n)) {
      try {
        unlinkSync(join(dir, n));
      } catch {}
    }
  }
}
