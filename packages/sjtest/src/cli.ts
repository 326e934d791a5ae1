/** sjtest(1): argv → options → run → report. */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CaseResult } from './case.js';
import { cases } from './cases.js';
import { UsageError } from './errors.js';
import { isLoopback } from './loopback.js';
import { type Adapter, findPreset, presets } from './preset.js';
import { formatHtml } from './report-html.js';
import { formatJson, type JsonReport, toJson } from './report-json.js';
import { formatTable } from './report-table.js';
import { formatTap } from './report-tap.js';
import { type RunReport, runCases } from './runner.js';
import { selectCases, unmatchedPatterns } from './select.js';
import { exitStatus, NOT_RUN, plural } from './summary.js';
import { missingCommand } from './template.js';
import { buildVictims } from './victim-build.js';

/** As every tool of the project: 2 on bad usage. */
export const USAGE_STATUS = 2;

export const synopsis = `usage: sjtest [--preset name | --run template [--host-paths]] [--baseline]
              [--ip address] [--hostname name] [--jail-bin path]
              [--only ids,tags] [--skip ids,tags] [--tap | --json] [--html file]
              [--timeout seconds] [--keep] [--no-color]
       sjtest --list [--only ids,tags] [--skip ids,tags]
       sjtest report file.json ... --html file
       sjtest build
       sjtest --help | --version
`;

export const usage = `${synopsis}
Runs escape and conformance probes inside a jail and reports each promise as
kept, broken, inconclusive or skipped.

  --preset name    one of: ${presets()
    .map((p) => p.name)
    .join(', ')} (default none)
  --run template   a command template with {root} {hostname} {ip} {cmd}
  --host-paths     the --run command sees host paths, not the root as /
  --baseline       run the cases with no jail too, and show which promises the
                   jail itself keeps (the host may refuse some calls to everyone)
  --ip address     the jail address, a loopback one (default 127.0.0.5)
  --hostname name  the jail hostname (default sjtest-jail)
  --jail-bin path  the jail command of the sysjail preset (default: jail in PATH;
                   a .js file runs with this node)
  --only ids,tags  run only these cases (ids, prefix.*, or tags)
  --skip ids,tags  leave these cases out
  --tap            print TAP 13
  --json           print JSON (what \`sjtest report\` reads)
  --html file      also write one self-contained HTML page of the results
  --timeout secs   per jail run (default 120)
  --keep           keep the temporary jail root
  --no-color       no colour (also when NO_COLOR is set, or not on a terminal)
  --list           list the cases: id, tags, promise
  -h, --help       this text
  --version        the version

  report           write the HTML page of earlier --json runs, one column each
  build            compile the victims now (otherwise: on first run)

Exit status: 0 when every promise is kept, 1 when a promise is broken (or a
functional check fails), ${USAGE_STATUS} on bad usage, ${NOT_RUN} when a case could not
be run (or the victims could not be built, or the jail tool is missing: then no
case runs), 70 on an internal error.
`;

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly isTty: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

const list = (v: string | undefined): string[] =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

const OPTIONS = {
  preset: { type: 'string' },
  run: { type: 'string' },
  'host-paths': { type: 'boolean' },
  baseline: { type: 'boolean' },
  ip: { type: 'string' },
  hostname: { type: 'string' },
  'jail-bin': { type: 'string' },
  only: { type: 'string' },
  skip: { type: 'string' },
  list: { type: 'boolean' },
  tap: { type: 'boolean' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  timeout: { type: 'string' },
  keep: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

const parse = (args: string[]) => parseArgs({ args, allowPositionals: true, options: OPTIONS });

/** A .js jail command runs with this Node: an executable bit is not needed (a fresh tsc build has none). */
const jailCommand = (bin: string | undefined): string | undefined =>
  bin && /\.[cm]?js$/.test(bin) ? `${process.execPath} ${bin}` : bin;

export function packageVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** The baseline's word on each promise: kept by the jail, or kept with no jail as well (the host's). */
export function baselineNotes(jail: readonly CaseResult[], none: readonly CaseResult[]): string {
  const host = new Map(none.map((r) => [r.case.id, r.status]));
  const kept = jail.filter((r) => r.status === 'kept' && !r.case.functional);
  const byHost = kept.filter((r) => host.get(r.case.id) === 'kept');
  const lines = [
    '',
    `baseline (no jail): ${plural(none.filter((r) => r.status === 'kept' && !r.case.functional).length, 'promise')} kept with no jail at all`,
    `the jail itself keeps ${kept.length - byHost.length} of its ${plural(kept.length, 'kept promise')}; the host keeps the other ${byHost.length} for everyone:`,
    ...byHost.map((r) => `  host  ${r.case.id}`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  const usageError = (message: string): number => {
    io.stderr(`sjtest: ${message}\n${synopsis}`);
    return USAGE_STATUS;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse([...argv]);
  } catch (e) {
    return usageError((e as Error).message.split('. ')[0] ?? '');
  }
  const o = parsed.values;
  if (o.help) {
    io.stdout(usage);
    return 0;
  }
  if (o.version) {
    io.stdout(`sjtest (@sysjail/sjtest) ${packageVersion()}\n`);
    return 0;
  }
  const [command, ...operands] = parsed.positionals;
  if (command === 'build') {
    if (operands.length) return usageError(`unexpected ${operands[0]}`);
    const v = buildVictims();
    for (const [name, r] of Object.entries(v))
      io.stdout(`${name}: ${typeof r === 'string' ? r : r.skipped}\n`);
    return typeof v.v64 === 'string' ? 0 : NOT_RUN;
  }
  if (command === 'report') {
    if (!operands.length) return usageError('report needs at least one file.json');
    if (!o.html) return usageError('report needs --html file');
    const reports: JsonReport[] = [];
    for (const file of operands) {
      try {
        const r = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
        if (r.tool !== 'sjtest' || !Array.isArray(r.results)) throw new Error('not an sjtest --json report');
        reports.push(r);
      } catch (e) {
        io.stderr(`sjtest: ${file}: ${(e as Error).message}\n`);
        return NOT_RUN;
      }
    }
    writeFileSync(o.html, formatHtml(reports));
    return 0;
  }
  if (command !== undefined) return usageError(`unexpected ${command}`);
  if (o.json && o.tap) return usageError('--json and --tap are exclusive');
  if (o.preset && o.run) return usageError('--preset and --run are exclusive');
  const only = list(o.only);
  const skip = list(o.skip);
  const unmatched = unmatchedPatterns(cases, [...only, ...skip]);
  if (unmatched.length) return usageError(`no case matches ${unmatched.join(', ')} (see sjtest --list)`);
  const selected = selectCases(cases, only, skip);
  if (!selected.length) return usageError('--only and --skip leave no case to run');
  if (o.list) {
    for (const c of selected) io.stdout(`${c.id}\t${c.tags.join(',')}\t${c.promise}\n`);
    return 0;
  }
  if (o.ip !== undefined && !isLoopback(o.ip))
    return usageError(`--ip ${o.ip}: not a loopback address (127.0.0.0/8 or ::1): sjtest stays on this host`);
  const timeout = o.timeout ? Number(o.timeout) : 120;
  if (!(timeout > 0)) return usageError(`bad --timeout ${o.timeout}`);
  let adapter: Adapter;
  try {
    adapter = o.run
      ? { name: 'custom', template: o.run, rootIsSlash: !o['host-paths'], description: 'from --run' }
      : findPreset(o.preset ?? 'none', { jailBin: jailCommand(o['jail-bin']) });
    const missing = missingCommand(adapter.template, env);
    if (missing) {
      io.stderr(`sjtest: ${adapter.name}: ${missing}: command not found (no case was run)\n`);
      return NOT_RUN;
    }
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message);
    throw e;
  }
  const run = (a: Adapter): Promise<RunReport> =>
    runCases({
      adapter: a,
      cases: selected,
      ip: o.ip,
      hostname: o.hostname,
      timeoutMs: timeout * 1000,
      keep: o.keep,
    });
  const report = await run(adapter);
  const baseline = o.baseline ? await run(findPreset('none')) : undefined;
  const colour = io.isTty && !o['no-color'] && !env.NO_COLOR;
  io.stdout(o.json ? formatJson(report, baseline) : o.tap ? formatTap(report) : formatTable(report, colour));
  if (baseline && !o.json) {
    const notes = baselineNotes(report.results, baseline.results);
    io.stdout(o.tap ? notes.replace(/^(?=.)/gm, '# ') : notes);
  }
  if (o.html)
    writeFileSync(o.html, formatHtml(baseline ? [toJson(baseline), toJson(report)] : [toJson(report)]));
  return exitStatus(report.results);
}
