import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CaseResult } from './case.js';
import { cases } from './cases.js';
import { baselineNotes, packageVersion, synopsis, usage } from './cli.js';
import { isLoopback } from './loopback.js';
import { mainOutput } from './main-output.js';
import { formatTable } from './report-table.js';
import type { RunReport } from './runner.js';

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  mainOutput(argv, { PATH: process.env.PATH, ...env });

describe('sjtest(1) command line', () => {
  it('lists the cases, filtered', async () => {
    const all = await run(['--list']);
    expect(all.code).toBe(0);
    expect(all.out.trim().split('\n')).toHaveLength(cases.length);
    const some = await run(['--list', '--only', 'hostname', '--skip', 'i386']);
    expect(some.out).toContain('host.uname');
    expect(some.out).not.toContain('i386.');
  });

  it('refuses bad usage with 2: the message, then the synopsis', async () => {
    const bad: [string[], string][] = [
      [['--bogus'], "sjtest: Unknown option '--bogus'"],
      [
        ['--preset', 'nope'],
        'sjtest: unknown preset nope; presets: sysjail, bwrap, firejail, bwrap-strict, chroot, none',
      ],
      [['--preset', 'none', '--run', '{cmd}'], 'sjtest: --preset and --run are exclusive'],
      [['--json', '--tap'], 'sjtest: --json and --tap are exclusive'],
      [['--only', 'nosuch', '--list'], 'sjtest: no case matches nosuch (see sjtest --list)'],
      [['--skip', 'fs.root,nosuch.*'], 'sjtest: no case matches nosuch.* (see sjtest --list)'],
      [['--only', 'fs.root', '--skip', 'fs'], 'sjtest: --only and --skip leave no case to run'],
      [
        ['--ip', '10.0.0.1'],
        'sjtest: --ip 10.0.0.1: not a loopback address (127.0.0.0/8 or ::1): sjtest stays on this host',
      ],
      [
        ['--ip', '127.1'],
        'sjtest: --ip 127.1: not a loopback address (127.0.0.0/8 or ::1): sjtest stays on this host',
      ],
      [['--timeout', '0'], 'sjtest: bad --timeout 0'],
      [['extra'], 'sjtest: unexpected extra'],
      [['report', 'a.json'], 'sjtest: report needs --html file'],
    ];
    for (const [argv, first] of bad) {
      const r = await run(argv);
      expect(r, argv.join(' ')).toEqual({ code: 2, out: '', err: `${first}\n${synopsis}` });
    }
  });

  it('a missing jail tool is one error before any case runs, exit 3', async () => {
    expect(await run(['--run', 'no-such-jail-tool {root} {cmd}'])).toEqual({
      code: 3,
      out: '',
      err: 'sjtest: custom: no-such-jail-tool: command not found (no case was run)\n',
    });
    expect(await run(['--preset', 'sysjail', '--jail-bin', '/nonexistent/jail'])).toMatchObject({
      code: 3,
      err: 'sjtest: sysjail: /nonexistent/jail: command not found (no case was run)\n',
    });
    expect(await run(['--preset', 'bwrap'], { PATH: '/nonexistent' })).toMatchObject({
      code: 3,
      err: 'sjtest: bwrap: bwrap: command not found (no case was run)\n',
    });
  });

  it('--help lists every option and the exit statuses; --version the package version', async () => {
    const help = await run(['--help']);
    expect(help).toEqual({ code: 0, out: usage, err: '' });
    for (const option of [
      'preset',
      'run',
      'host-paths',
      'baseline',
      'ip',
      'hostname',
      'jail-bin',
      'only',
      'skip',
      'list',
      'tap',
      'json',
      'html',
      'timeout',
      'keep',
      'no-color',
      'help',
      'version',
    ])
      expect(help.out, option).toMatch(new RegExp(`^\\s+(-h, )?--${option}\\b`, 'm'));
    expect(help.out).toMatch(
      /Exit status: 0 .* 1 .*\n.*2 on bad usage, 3 when a case could not\n[\s\S]*70 on an internal error/,
    );
    expect(await run(['--version'])).toEqual({
      code: 0,
      out: `sjtest (@sysjail/sjtest) ${packageVersion()}\n`,
      err: '',
    });
  });

  it('accepts only loopback jail addresses', () => {
    for (const a of ['127.0.0.5', '127.255.0.1', '::1', '0:0:0:0:0:0:0:1', '0000::0001'])
      expect(isLoopback(a), a).toBe(true);
    for (const a of ['10.0.0.1', '128.0.0.1', '::2', '::ffff:127.0.0.1', '::1%lo', 'localhost', '127.1', ''])
      expect(isLoopback(a), a).toBe(false);
  });

  it('says "1 case" and "1 error"', () => {
    const c = cases[0]!;
    const report = {
      adapter: { name: 'x', template: '{cmd}', rootIsSlash: false, description: '' },
      ip: '127.0.0.5',
      hostname: 'h',
      kernel: 'k',
      results: [{ case: c, status: 'error', outcome: { kind: 'missing', detail: '' } }],
      runs: [],
      durationMs: 0,
    } as unknown as RunReport;
    expect(formatTable(report)).toMatch(
      /\n1 case: 0 kept, 0 broken, 0 inconclusive, 0 skipped, 1 error \(0\.0 s\)\n$/,
    );
  });

  it('--baseline: tells the promises the jail keeps from those the host keeps for everyone', () => {
    const [a, b, f] = [
      cases.find((c) => c.id === 'fs.root')!,
      cases.find((c) => c.id === 'host.uname')!,
      cases.find((c) => c.functional)!,
    ];
    const r = (c: typeof a, status: string) =>
      ({ case: c, status, outcome: { kind: 'ok', detail: '' } }) as CaseResult;
    const notes = baselineNotes(
      [r(a, 'kept'), r(b, 'kept'), r(f, 'kept')],
      [r(a, 'broken'), r(b, 'kept'), r(f, 'kept')],
    );
    expect(notes).toBe(
      '\nbaseline (no jail): 1 promise kept with no jail at all\n' +
        'the jail itself keeps 1 of its 2 kept promises; the host keeps the other 1 for everyone:\n' +
        '  host  host.uname\n',
    );
  });

  it('the bin: NO_COLOR is honoured; `--list | head` ends quietly (EPIPE)', () => {
    const bin = fileURLToPath(new URL('../dist/bin/sjtest.js', import.meta.url));
    // `true` reads nothing and exits at once: every write meets a closed pipe.
    const closed = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --list | true`], {
      encoding: 'utf8',
    });
    expect(closed).toMatchObject({ status: 0, stderr: '' });
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --list | head -1`], {
      encoding: 'utf8',
    });
    expect(piped).toMatchObject({
      status: 0,
      stdout: `${cases[0]!.id}\t${cases[0]!.tags.join(',')}\t${cases[0]!.promise}\n`,
      stderr: '',
    });
    // Under `script` stdout is a terminal: colour unless NO_COLOR.
    const tty = (env: string) =>
      spawnSync('script', ['-qec', `${env} "${process.execPath}" "${bin}" --only fs.root`, '/dev/null'], {
        encoding: 'utf8',
      }).stdout;
    expect(tty('')).toContain('\x1b[');
    expect(tty('NO_COLOR=1')).not.toContain('\x1b[');
  });
});
