import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** What a jail's supervisor counts, kept in the JSON file named by the record's `countersPath`. */
export interface JailCountersFile {
  /** Calls refused (by the filter's audit or the supervisor). */
  readonly denied: number;
  /** Calls the supervisor performed on the jail's behalf. */
  readonly emulated: number;
  /** Per syscall name, when kept. */
  readonly byCall?: Readonly<Record<string, { readonly denied: number; readonly emulated: number }>>;
}

/** The counters, or undefined when the file is missing or unreadable. */
export function readJailCounters(path: string): JailCountersFile | undefined {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as JailCountersFile;
    return typeof c.denied === 'number' && typeof c.emulated === 'number' ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the counters atomically (temp file + rename). */
export function writeJailCounters(path: string, counters: JailCountersFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(counters)}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}
