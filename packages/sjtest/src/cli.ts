/** sjtest(1): argv → options → run → report. */
import { parseArgs } from 'node:util';
import { cases } from './cases.js';
import { UsageError } from './errors.js';
import { type Adapter, findPreset, presets } from './preset.js';
import { formatJson } from './report-json.js';
import { formatTable } from './report-table.js';
import { formatTap } from './report-tap.js';
import { runCases } from './runner.js';
import { selectCases } from './select.js';
import { exitStatus } from './summary.js';
import { buildVictims } from './victim-build.js';

export const usage = `usage: sjtest [--preset name | --run template [--host-paths]] [--ip address]
              [--hostname name] [--jail-bin path] [--only ids,tags] [--skip ids,tags]
              [--tap | --json] [--timeout seconds] [--keep] [--no-color]
       sjtest --list [--only ids,tags] [--skip ids,tags]
       sjtest build

Runs escape and conformance probes inside a jail and reports each promise as
kept, broken, inconclusive or skipped. The exit status is 1 when a promise is
broken, 2 when a case could not be run, 0 otherwise.

  --preset name   one of: ${presets()
    .map((p) => p.name)
    .join(', ')} (default none)
  --run template  a command template with {root} {hostname} {ip} {cmd}
  --host-paths    the --run command sees host paths, not the root as /
  --ip address    the jail address (default 127.0.0.5)
  --hostname name the jail hostname (default sjtest-jail)
  --jail-bin path the jail command of the sysjail preset (default: jail in PATH; a .js file runs with this node)
`;

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly isTty: boolean;
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
  ip: { type: 'string' },
  hostname: { type: 'string' },
  'jail-bin': { type: 'string' },
  only: { type: 'string' },
  skip: { type: 'string' },
  list: { type: 'boolean' },
  tap: { type: 'boolean' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  keep: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const parse = (args: string[]) => parseArgs({ args, allowPositionals: true, options: OPTIONS });

/** A .js jail command runs with this Node: an executable bit is not needed (a fresh tsc build has none). */
const jailCommand = (bin: string | undefined): string | undefined =>
  bin && /\.[cm]?js$/.test(bin) ? `${process.execPath} ${bin}` : bin;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse([...argv]);
  } catch (e) {
    io.stderr(`sjtest: ${(e as Error).message}\n${usage}`);
    return 64;
  }
  const o = parsed.values;
  if (o.help) {
    io.stdout(usage);
    return 0;
  }
  if (parsed.positionals[0] === 'build') {
    const v = buildVictims();
    for (const [name, r] of Object.entries(v))
      io.stdout(`${name}: ${typeof r === 'string' ? r : r.skipped}\n`);
    return typeof v.v64 === 'string' ? 0 : 2;
  }
  if (parsed.positionals.length) {
    io.stderr(`sjtest: unexpected ${parsed.positionals[0]}\n${usage}`);
    return 64;
  }
  const selected = selectCases(cases, list(o.only), list(o.skip));
  if (o.list) {
    for (const c of selected) io.stdout(`${c.id}\t${c.tags.join(',')}\t${c.promise}\n`);
    return 0;
  }
  try {
    if (o.preset && o.run) throw new UsageError('--preset and --run are exclusive');
    const adapter: Adapter = o.run
      ? { name: 'custom', template: o.run, rootIsSlash: !o['host-paths'], description: 'from --run' }
      : findPreset(o.preset ?? 'none', { jailBin: jailCommand(o['jail-bin']) });
    const timeout = o.timeout ? Number(o.timeout) : 120;
    if (!(timeout > 0)) throw new UsageError(`bad --timeout ${o.timeout}`);
    const report = await runCases({
      adapter,
      cases: selected,
      ip: o.ip,
      hostname: o.hostname,
      timeoutMs: timeout * 1000,
      keep: o.keep,
    });
    io.stdout(
      o.json
        ? formatJson(report)
        : o.tap
          ? formatTap(report)
          : formatTable(report, io.isTty && !o['no-color']),
    );
    return exitStatus(report.results);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`sjtest: ${e.message}\n`);
      return 64;
    }
    throw e;
  }
}
