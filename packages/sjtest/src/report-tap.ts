/** TAP version 13: a broken promise is `not ok`, skipped and inconclusive are `# SKIP`. */
import type { RunReport } from './runner.js';
import { outcomeText } from './summary.js';

export function formatTap(report: RunReport): string {
  const lines = ['TAP version 13', `1..${report.results.length}`];
  report.results.forEach((r, i) => {
    const ok = r.status === 'broken' || r.status === 'error' ? 'not ok' : 'ok';
    const directive =
      r.status === 'skipped' || r.status === 'inconclusive' ? ` # SKIP ${r.status}: ${outcomeText(r)}` : '';
    lines.push(`${ok} ${i + 1} - ${r.case.id}: ${r.case.promise}${directive}`);
    if (r.status === 'broken' || r.status === 'error')
      lines.push('  ---', `  status: ${r.status}`, `  got: ${JSON.stringify(outcomeText(r))}`, '  ...');
  });
  return `${lines.join('\n')}\n`;
}
