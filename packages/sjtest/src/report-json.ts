/** Machine-readable report. */
import type { RunReport } from './runner.js';
import { summarize } from './summary.js';

export function toJson(report: RunReport): object {
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
    })),
    runs: report.runs.map(({ victim, argv, exitCode, signal, timedOut, durationMs }) => ({
      victim,
      argv: argv.map((a) => (a.length > 200 ? `${a.slice(0, 200)}…` : a)),
      exitCode,
      signal,
      timedOut,
      durationMs,
    })),
  };
}

export function formatJson(report: RunReport): string {
  return `${JSON.stringify(toJson(report), null, 2)}\n`;
}
