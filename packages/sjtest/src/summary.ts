/** Counts per status, and the exit status: non-zero when a promise is broken or a case errs. */
import type { CaseResult, Status } from './case.js';

export type Summary = Record<Status, number>;

export function summarize(results: readonly CaseResult[]): Summary {
  const s: Summary = { kept: 0, broken: 0, inconclusive: 0, skipped: 0, error: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** The exit status when a case could not be run (1 is a broken promise, 2 bad usage). */
export const NOT_RUN = 3;

export function exitStatus(results: readonly CaseResult[]): number {
  const s = summarize(results);
  return s.broken > 0 ? 1 : s.error > 0 ? NOT_RUN : 0;
}

export function outcomeText(r: CaseResult): string {
  const o = r.outcome;
  const what = o.kind === 'value' ? `value ${o.value}` : o.kind === 'err' ? `${o.errno ?? 'error'}` : o.kind;
  return o.detail ? `${what} (${o.detail})` : what;
}

/** "1 case", "2 cases". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
