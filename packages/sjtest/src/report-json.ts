/** Machine-readable report. */
import type { RunReport } from './runner.js';
import { summarize } from './summary.js';

/** `baseline`: the same cases run with no jail; each result then says how it went there. */
export function toJson(report: RunReport, baseline?: RunReport) {
  const none = new Map(baseline?.results.map((r) => [r.case.id, r.status]));
  return {
    tool: 'sjtest',
    adapter: report.adapter,
    ip: report.ip,
    hostname: report.hostname,
    kernel: report.kernel,
    durationMs: report.durationMs,
    summary: summarize(report.results),
    results: report.results.map((r) => ({
      id: r.case.id,
      tags: r.case.tags,
      promise: r.case.promise,
      functional: r.case.functional ?? false,
      status: r.status,
      outcome: r.outcome,
      ...(baseline ? { baseline: none.get(r.case.id) } : {}),
    })),
    runs: report.runs.map(({ victim, argv, exitCode, signal, timedOut, durationMs, caller }) => ({
      victim,
      ...(caller ? { caller } : {}),
      argv: argv.map((a) => (a.length > 200 ? `${a.slice(0, 200)}…` : a)),
      exitCode,
      signal,
      timedOut,
      durationMs,
    })),
  };
}

/** What --json prints and `sjtest report` reads. */
export type JsonReport = ReturnType<typeof toJson>;

export function formatJson(report: RunReport, baseline?: RunReport): string {
  return `${JSON.stringify(toJson(report, baseline), null, 2)}\n`;
}
