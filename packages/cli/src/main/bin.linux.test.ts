// Every tool as the user runs it (the built bins): bad inputs table-driven (arguments → exit status and
// the first line of the message, as the man pages' EXIT STATUS say: a usage error is one line and the
// synopsis, exit 2; a runtime error one line, exit 1), --help, --version, and the conventions of
// jail -r, jls -N/-s, sysjail -b's log and the first JID.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synopses, type Tool, usageText } from '../config/usage.js';

const binDir = fileURLToPath(new URL('../../dist/bin/', import.meta.url));
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const base = mkdtempSync(join(tmpdir(), 'sysjail-bin-'));
const runDir = join(base, 'run');
const logDir = join(base, 'log');
const env = { ...process.env, SYSJAIL_RUN_DIR: runDir, SYSJAIL_LOG_DIR: logDir };
// The jail root below a root-only directory (the tools refuse one host users can reach); base itself
// is open, for the bins and the not-root rows.
const root = join(base, 'closed', 'root');
const file = join(base, 'a-file');
const tools = Object.keys(synopses) as Tool[];

function run(tool: Tool, args: readonly string[], opts: { uid?: number } = {}) {
  const r = spawnSync(process.execPath, [join(binDir, `${tool}.js`), ...args], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The bins must be readable by nobody for the not-root rows.
  for (const d of [base, runDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  mkdirSync(join(base, 'closed'), { mode: 0o700 });
  expect(run('mkjail', [root])).toEqual({ status: 0, stdout: '', stderr: '' });
  writeFileSync(file, 'not a directory\n');
}, 60_000);
afterAll(() => {
  run('jail', ['-r', '*']);
  rmSync(base, { recursive: true, force: true });
});

/** [tool, arguments, exit status, first line of stderr, run as uid]. */
type BadInput = [Tool, string[], 1 | 2, string | RegExp, number?];
const badInputs = (): BadInput[] => [
  ['jail', [], 2, 'jail: missing jail path'],
  ['jail', ['--bogus', root, 'h', '127.0.0.2', 'sh'], 2, 'jail: unknown option: --bogus'],
  ['jail', ['-n'], 2, 'jail: option requires an argument: -n'],
  ['jail', ['rel', 'h', '127.0.0.2', 'sh'], 2, 'jail: jail path must be absolute: rel'],
  ['jail', [root], 2, 'jail: missing hostname'],
  ['jail', [root, '-h-', '127.0.0.2', 'sh'], 2, /^jail: invalid hostname "-h-"/],
  ['jail', [root, 'h'], 2, 'jail: missing IP address'],
  ['jail', [root, 'h', '127.1', 'sh'], 2, 'jail: invalid IP address: 127.1'],
  ['jail', [root, 'h', '127.0.0.2'], 2, 'jail: no command given'],
  ['jail', ['--allow-ipc', root, 'h', '127.0.0.2', 'sh'], 2, 'jail: unknown option: --allow-ipc'],
  ['jail', ['-n', '42', root, 'h', '127.0.0.2', 'sh'], 2, /^jail: invalid jail name "42"/],
  ['jail', ['-u', 'a:b', root, 'h', '127.0.0.2', 'sh'], 2, 'jail: invalid user: a:b'],
  ['jail', ['-r'], 2, 'jail: missing jail to remove'],
  ['jail', ['-v', root, 'h', '127.0.0.2', 'sh'], 2, 'jail: -v goes with -r'],
  [
    'jail',
    [join(base, 'none'), 'h', '127.0.0.2', 'sh'],
    1,
    `jail: jail path does not exist: ${join(base, 'none')}`,
  ],
  ['jail', [file, 'h', '127.0.0.2', 'sh'], 1, `jail: jail path is not a directory: ${file}`],
  ['jail', ['-U', 'nosuch', root, 'h', '127.0.0.2', 'sh'], 1, 'jail: unknown user in the jail: nosuch'],
  ['jail', ['-u', 'nosuch', root, 'h', '127.0.0.2', 'sh'], 1, 'jail: unknown user: nosuch'],
  ['jail', [root, 'h', '127.0.0.2', 'nosuch'], 1, 'jail: nosuch: not found in the jail'],
  ['jail', [root, 'h', '127.0.0.2', '/etc'], 1, 'jail: /etc: is a directory in the jail'],
  ['jail', ['-r', 'web'], 1, 'jail: jail "web" not found'],
  ['jail', ['-r', '77'], 1, 'jail: jail 77 not found'],
  ['jail', ['-r', '7'], 1, 'jail: jail must be run as root', 65534],
  [
    'sysjail',
    ['--allow-nothing', root, 'h', '127.0.0.2', 'sh'],
    2,
    'sysjail: unknown option: --allow-nothing',
  ],
  ['sysjail', ['-4', '::1', root, 'h', '127.0.0.2', 'sh'], 2, 'sysjail: invalid IP address: ::1'],
  ['sysjail', ['-6', '127.0.0.1', root, 'h', '127.0.0.2', 'sh'], 2, 'sysjail: invalid IP address: 127.0.0.1'],
  [
    'jail',
    [root, 'h', '127.0.0.1', 'sh'],
    2,
    "jail: address 127.0.0.1 is the host's own loopback address: a jail on it would reach the host's services there (use another address, or --allow-host-loopback if the host's loopback is meant)",
  ],
  ['jail', ['/tmp/..', 'h', '127.0.0.2', 'sh'], 2, "jail: jail path /tmp/.. is the host's root directory"],
  ['sysjail', ['-r', 'web'], 1, 'sysjail: jail "web" not found'],
  ['jls', ['-x'], 2, 'jls: unknown option: -x'],
  ['jls', ['bogus.param'], 2, 'jls: unknown parameter: bogus.param'],
  ['jls', ['-j'], 2, 'jls: option requires an argument: -j'],
  ['jls', ['-j', 'web'], 1, 'jls: jail "web" not found'],
  ['sjls', ['-x'], 2, 'sjls: unknown option: -x'],
  ['sjls', ['extra'], 2, 'sjls: unexpected operand: extra'],
  ['sjls', ['-j', '5'], 1, 'sjls: jail 5 not found'],
  ['jexec', [], 2, 'jexec: missing jail'],
  ['jexec', ['-x', '1'], 2, 'jexec: unknown option: -x'],
  ['jexec', ['-u'], 2, 'jexec: option requires an argument: -u'],
  ['jexec', ['3', 'sh'], 1, 'jexec: jail 3 not found'],
  ['jexec', ['web', 'sh'], 1, 'jexec: jail "web" not found'],
  ['jexec', ['3', 'sh'], 1, 'jexec: jexec must be run as root', 65534],
  ['mkjail', [], 2, 'mkjail: missing directory'],
  ['mkjail', ['-x', 'd'], 2, 'mkjail: unknown option: -x'],
  ['mkjail', ['a', 'b'], 2, 'mkjail: unexpected operand: b'],
  ['mkjail', ['-b'], 2, 'mkjail: option requires an argument: -b'],
  ['mkjail', [root], 1, `mkjail: ${root} is not empty (use -f to build into it anyway)`],
  ['mkjail', ['rel'], 2, 'mkjail: directory must be absolute: rel'],
  ['mkjail', ['--mirror', 'http://m', '/j'], 2, 'mkjail: --mirror goes with --debootstrap'],
  ['mkjail', ['-f', '/'], 1, "mkjail: / is the host's root directory: refusing to build a jail root there"],
  [
    'mkjail',
    ['--from-tar', join(base, 'no.tar'), join(base, 'nt')],
    1,
    `mkjail: no such tarball: ${join(base, 'no.tar')}`,
  ],
  ['mkjail', [file], 1, `mkjail: ${file} exists and is not a directory`],
];

describe('every tool', () => {
  it('is built', () => {
    for (const t of tools) expect(existsSync(join(binDir, `${t}.js`)), t).toBe(true);
  });

  it('bad inputs: the status and first line the man page gives; the synopsis after a usage error', () => {
    for (const [tool, args, status, first, uid] of badInputs()) {
      const r = run(tool, args, { uid });
      const where = `${tool} ${args.join(' ')}`;
      expect(r.status, where).toBe(status);
      expect(r.stdout, where).toBe('');
      const [line, ...rest] = r.stderr.split('\n');
      if (typeof first === 'string') expect(line, where).toBe(first);
      else expect(line, where).toMatch(first);
      expect(rest.join('\n'), where).toBe(status === 2 ? usageText(tool) : '');
    }
    // Nothing was started by any of them.
    expect(run('jls', ['-N']).stdout.split('\n').length).toBe(2);
  }, 180_000);

  it('--help (and -h, but for jls and rctl) prints the synopsis, exit 0; --version the package version', () => {
    for (const tool of tools) {
      expect(run(tool, ['--help']), tool).toEqual({ status: 0, stdout: usageText(tool), stderr: '' });
      if (tool !== 'jls' && tool !== 'rctl')
        expect(run(tool, ['-h']), tool).toEqual({ status: 0, stdout: usageText(tool), stderr: '' });
      expect(run(tool, ['--version']), tool).toEqual({
        status: 0,
        stdout: `${tool} (@sysjail/cli) ${version}\n`,
        stderr: '',
      });
    }
    // jls -h keeps FreeBSD's meaning: a header line of the parameters.
    expect(run('jls', ['-h', 'jid', 'name'])).toEqual({ status: 0, stdout: 'jid name\n', stderr: '' });
  });

  it("the command's own status passes through; the first JID on a fresh host is 1", () => {
    const r = run('jail', ['-i', root, 'h', '127.0.15.1', '/bin/sh', '-c', 'exit 3']);
    expect(r).toEqual({ status: 3, stdout: '1\n', stderr: '' });
  });

  it("the jail command removes a dead supervisor's empty jail cgroup (after its own jail started)", () => {
    const cgroup2 = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4] as string;
    const gone = spawnSync('/bin/true').pid as number; // a pid no process has (reaped)
    const stale = join(cgroup2, 'sysjail', `jail-${gone}-7`);
    const live = join(cgroup2, 'sysjail', `jail-${process.pid}-7`); // this process runs: not stale
    for (const d of [stale, live]) mkdirSync(d, { recursive: true });
    try {
      expect(existsSync(`/proc/${gone}`)).toBe(false);
      expect(run('jail', [root, 'h', '127.0.15.6', '/bin/true'])).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      });
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      for (const d of [stale, live]) rmSync(d, { recursive: true, force: true });
    }
  });

  it('sysjail -b keeps the output in a 0600 log file per jail; jls -N, jls -s; jail -r several, -v', () => {
    const a = run('sysjail', [
      '-b',
      '-n',
      'bga',
      root,
      'bghost',
      '127.0.15.2',
      '/bin/sh',
      '-c',
      'echo out; echo err >&2; exec sleep 60',
    ]);
    expect(a.status, a.stderr).toBe(0);
    const jidA = a.stdout.trim();
    const b = run('sysjail', ['-b', root, 'unnamed', '127.0.15.3', '/bin/sleep', '60']);
    expect(b.status, b.stderr).toBe(0);
    const jidB = b.stdout.trim();
    const log = join(logDir, 'bga.log');
    for (let i = 0; i < 50 && !readFileSync(log, 'utf8').includes('err'); i++) spawnSync('sleep', ['0.1']);
    expect(readFileSync(log, 'utf8')).toBe('out\nerr\n');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(existsSync(join(logDir, 'unnamed.log'))).toBe(true);

    expect(run('jls', ['-N']).stdout).toBe(
      ' JID             IP Address      Hostname                      Path\n' +
        ` ${'bga'.padEnd(15)} ${'127.0.15.2'.padEnd(15)} ${'bghost'.padEnd(29)} ${root}\n` +
        ` ${jidB.padEnd(15)} ${'127.0.15.3'.padEnd(15)} ${'unnamed'.padEnd(29)} ${root}\n`,
    );
    const settable = run('jls', ['-s', '-j', 'bga']).stdout;
    expect(settable).toMatch(new RegExp(`^jid=${jidA} name=bga path=`));
    expect(settable).not.toMatch(/dying|parent|sysjail\.emulation/);
    expect(run('jls', ['-n', '-j', 'bga']).stdout).toMatch(
      /^nodying jid=.* parent=0 .*sysjail\.emulation=linux\n$/,
    );

    // Two named, one missing: both stopped, the missing one reported, exit 1.
    expect(run('jail', ['-r', '-v', 'bga', 'nosuch', jidB])).toEqual({
      status: 1,
      stdout: `bga: removed\n${jidB}: removed\n`,
      stderr: 'jail: jail "nosuch" not found\n',
    });
    expect(run('jls', []).stdout.split('\n').length).toBe(2);
  }, 60_000);

  it("jail -r '*' stops every jail", () => {
    for (const ip of ['127.0.15.4', '127.0.15.5'])
      expect(run('sysjail', ['-b', root, 'star', ip, '/bin/sleep', '60']).status).toBe(0);
    expect(run('jls', []).stdout.split('\n').length).toBe(4);
    expect(run('jail', ['-r', '*'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(run('jls', []).stdout.split('\n').length).toBe(2);
  }, 60_000);
});
