/** The victims' output: `SJTEST<TAB>id<TAB>outcome<TAB>errno<TAB>detail` per probe, `SJTEST-END` last. */
import type { Outcome } from './case.js';

const KINDS = new Set(['ok', 'err', 'value', 'killed', 'timeout', 'unproven', 'skip']);

export interface VictimOutput {
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** the victim printed SJTEST-END: it was not cut short */
  readonly complete: boolean;
}

export function parseVictimOutput(text: string): VictimOutput {
  const outcomes = new Map<string, Outcome>();
  let complete = false;
  for (const line of text.split('\n')) {
    if (line === 'SJTEST-END') complete = true;
    if (!line.startsWith('SJTEST\t')) continue;
    const [, id, kind, errno, ...rest] = line.split('\t');
    if (!id || !kind || !KINDS.has(kind)) continue;
    const detail = rest.join('\t');
    if (kind === 'value') {
      const space = detail.indexOf(' ');
      const value = space < 0 ? detail : detail.slice(0, space);
      outcomes.set(id, { kind, value, detail: space < 0 ? '' : detail.slice(space + 1) });
    } else {
      outcomes.set(id, {
        kind: kind as Outcome['kind'],
        errno: errno && errno !== '-' ? errno : undefined,
        detail,
      });
    }
  }
  return { outcomes, complete };
}
