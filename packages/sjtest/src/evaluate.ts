/** Judges what a victim reported against what keeps the promise. */
import type { Case, Outcome, Status } from './case.js';

export interface Substitutions {
  readonly ip: string;
  readonly hostname: string;
  readonly token: string;
}

function expand(value: string, s: Substitutions): string {
  return value.replaceAll('{ip}', s.ip).replaceAll('{hostname}', s.hostname).replaceAll('{token}', s.token);
}

export function evaluate(c: Case, o: Outcome, s: Substitutions): Status {
  const e = c.expect;
  const inconclusive = (e.inconclusive ?? []).map((v) => expand(v, s));
  switch (o.kind) {
    case 'skip':
      return 'skipped';
    case 'unproven':
      return 'inconclusive';
    case 'missing':
      return e.ended ? 'kept' : 'error';
    case 'refused':
      return e.refused ? 'kept' : 'error';
    case 'timeout':
      return 'error';
    case 'killed':
      return e.killed ? 'kept' : 'broken';
    case 'ok':
      return e.ok ? 'kept' : 'broken';
    case 'err':
      if (o.errno && e.errno?.includes(o.errno)) return 'kept';
      if (o.errno && inconclusive.includes(o.errno)) return 'inconclusive';
      return 'broken';
    case 'value': {
      const v = o.value ?? '';
      if (e.value?.some((want) => expand(want, s) === v)) return 'kept';
      if (inconclusive.includes(v)) return 'inconclusive';
      return 'broken';
    }
  }
}
