/**
 * One self-contained HTML page comparing runs: the tools (templates, counts) and the kernel at the top,
 * then the matrix of cases × tools, promises grouped by area, each cell coloured by its status and
 * showing its evidence on hover (the title attribute). No script, no network: a CSP forbids any fetch.
 */
import type { Status } from './case.js';
import type { JsonReport } from './report-json.js';

/** Cell colours (background), also what the screenshot test looks for. */
export const statusColour: Record<Status, string> = {
  kept: '#1a7f37',
  broken: '#cf222e',
  inconclusive: '#bf8700',
  skipped: '#6e7781',
  error: '#8250df',
};

const esc = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

type JsonResult = JsonReport['results'][number];

/** `fs.root` → `fs`; `i386.fs.root` → `i386` (the 32-bit entry point is an area of its own). */
export const areaOf = (id: string): string => id.slice(0, id.indexOf('.') < 0 ? undefined : id.indexOf('.'));

function label(r: JsonResult): string {
  if (r.functional) return r.status === 'kept' ? 'works' : r.status === 'broken' ? 'FAILS' : r.status;
  return r.status === 'broken' ? 'BROKEN' : r.status;
}

function evidence(r: JsonResult): string {
  const o = r.outcome;
  const what = o.kind === 'value' ? `value ${o.value}` : o.kind === 'err' ? `${o.errno ?? 'error'}` : o.kind;
  return o.detail ? `${what} (${o.detail})` : what;
}

export function formatHtml(reports: readonly JsonReport[], notes: readonly string[] = []): string {
  const byTool = reports.map((r) => new Map(r.results.map((x) => [x.id, x])));
  const ids: { id: string; promise: string }[] = [];
  const seen = new Set<string>();
  for (const r of reports)
    for (const x of r.results)
      if (!seen.has(x.id)) {
        seen.add(x.id);
        ids.push({ id: x.id, promise: x.promise });
      }
  const areas = new Map<string, { id: string; promise: string }[]>();
  for (const c of ids) areas.set(areaOf(c.id), [...(areas.get(areaOf(c.id)) ?? []), c]);
  const kernels = [...new Set(reports.map((r) => r.kernel))].join(', ');
  const cols = reports.length + 2;
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<title>sjtest results</title>',
    '<style>',
    'body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#1f2328;background:#fff}',
    'table{border-collapse:collapse;margin:8px 0}',
    'th,td{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}',
    'code{font:12px ui-monospace,monospace}',
    'td.s{color:#fff;font-weight:600;text-align:center;white-space:nowrap;cursor:help}',
    ...Object.entries(statusColour).map(([s, c]) => `.${s}{background:${c}}`),
    'tr.area th{background:#f6f8fa;font-size:14px}',
    'thead th{position:sticky;top:0;background:#fff}',
    '.legend span{display:inline-block;color:#fff;padding:1px 8px;margin-right:6px;font-weight:600}',
    '</style></head><body>',
    '<h1>sjtest results</h1>',
    `<p>Kernel ${esc(kernels)}; jail address ${esc(reports[0]?.ip ?? '?')}, hostname ${esc(reports[0]?.hostname ?? '?')}. Hover over a cell for its evidence.</p>`,
    `<p class="legend">${(Object.keys(statusColour) as Status[]).map((s) => `<span class="${s}">${s}</span>`).join('')}</p>`,
    '<h2>Tools</h2>',
    '<table class="tools"><thead><tr><th>tool</th><th>template</th><th>kept</th><th>broken</th><th>inconclusive</th><th>skipped</th><th>errors</th></tr></thead><tbody>',
  ];
  for (const r of reports) {
    const s = r.summary;
    out.push(
      `<tr><td>${esc(r.adapter.name)}</td><td><code>${esc(r.adapter.template)}</code></td><td>${s.kept}</td><td>${s.broken}</td><td>${s.inconclusive}</td><td>${s.skipped}</td><td>${s.error}</td></tr>`,
    );
  }
  out.push('</tbody></table>');
  if (notes.length) out.push('<h2>Notes</h2><ul>', ...notes.map((n) => `<li>${esc(n)}</li>`), '</ul>');
  out.push(
    '<h2>Cases</h2>',
    `<table class="matrix"><thead><tr><th>case</th><th>promise</th>${reports.map((r) => `<th>${esc(r.adapter.name)}</th>`).join('')}</tr></thead><tbody>`,
  );
  for (const [area, list] of areas) {
    out.push(`<tr class="area"><th colspan="${cols}">${esc(area)} (${list.length})</th></tr>`);
    for (const c of list) {
      const cells = byTool.map((m) => {
        const r = m.get(c.id);
        if (!r) return '<td></td>';
        return `<td class="s ${r.status}" title="${esc(evidence(r))}">${esc(label(r))}</td>`;
      });
      out.push(`<tr><td><code>${esc(c.id)}</code></td><td>${esc(c.promise)}</td>${cells.join('')}</tr>`);
    }
  }
  out.push('</tbody></table>', '</body></html>');
  return `${out.join('\n')}\n`;
}
