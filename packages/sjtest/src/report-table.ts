/** The human table: status, id, outcome; colour only when asked (on a TTY). */
import type { CaseResult, Status } from './case.js';
import type { RunReport } from './runner.js';
import { outcomeText, plural, summarize } from './summary.js';

const COLOUR: Record<Status, string> = {
  kept: '32',
  broken: '31;1',
  inconclusive: '33',
  skipped: '36',
  error: '35',
};

export function label(r: CaseResult): string {
  if (r.case.functional) return r.status === 'kept' ? 'works' : r.status === 'broken' ? 'FAILS' : r.status;
  return r.status === 'broken' ? 'BROKEN' : r.status;
}

export function formatTable(report: RunReport, colour = false): string {
  const paint = (s: Status, t: string): string => (colour ? `\x1b[${COLOUR[s]}m${t}\x1b[0m` : t);
  const idWidth = Math.max(...report.results.map((r) => r.case.id.length), 4);
  const lines = [
    `sjtest: ${report.adapter.name}: ${report.adapter.template}`,
    `ip ${report.ip}, hostname ${report.hostname}, kernel ${report.kernel}`,
    '',
  ];
  for (const r of report.results) {
    lines.push(`${paint(r.status, label(r).padEnd(12))} ${r.case.id.padEnd(idWidth)}  ${outcomeText(r)}`);
  }
  const s = summarize(report.results);
  lines.push(
    '',
    `${plural(report.results.length, 'case')}: ${s.kept} kept, ${s.broken} broken, ${s.inconclusive} inconclusive, ${s.skipped} skipped, ${plural(s.error, 'error')} (${(report.durationMs / 1000).toFixed(1)} s)`,
  );
  return `${lines.join('\n')}\n`;
}
