import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError, exitStatusOf } from '../errors.js';
import { parseJailArgs } from './jail-config.js';

const dir = mkdtempSync(join(tmpdir(), 'sysjail-config-'));
const file = join(dir, 'file');
writeFileSync(file, '');
mkdirSync(join(dir, 'etc'));
writeFileSync(
  join(dir, 'etc/passwd'),
  'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = { euid: 0 };

/** The error a parse throws: its code, its one line and its exit status. */
function failure(tool: 'jail' | 'sysjail', argv: string[], euid = 0) {
  try {
    parseJailArgs(tool, argv, { euid });
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    const err = e as CliError;
    expect(err.message).not.toContain('\n');
    return { code: err.code, message: err.message, status: exitStatusOf(err) };
  }
  throw new Error(`parse of ${argv.join(' ')} succeeded`);
}

describe('limits', () => {
  it('--memory, --maxproc, --pcpu become deny limits (suffixes as rctl)', () => {
    const c = parseJailArgs(
      'sysjail',
      ['--memory', '64m', '--maxproc=20', '--pcpu', '50', dir, 'h', '127.0.0.2', 'sh'],
      root,
    );
    if (c.kind !== 'start') throw new Error('not a start');
    expect(c.limits).toEqual([
      { resource: 'memoryuse', action: 'deny', amount: 64 * 2 ** 20 },
      { resource: 'maxproc', action: 'deny', amount: 20 },
      { resource: 'pcpu', action: 'deny', amount: 50 },
    ]);
    expect(failure('sysjail', ['--pcpu', '0', dir, 'h', '127.0.0.2', 'sh'])).toMatchObject({
      code: 'BAD_LIMIT',
      status: 2,
    });
  });
});

describe('addresses', () => {
  it('any address; iface|addr[/prefix] in the list, -4 and -6 become aliases of the prison', () => {
    const c = parseJailArgs(
      'sysjail',
      ['-4', 'd0|192.0.2.11/24', '-6', 'd0|2001:db8::11', dir, 'h', '192.0.2.10,d0|192.0.2.11', 'sh'],
      root,
    );
    if (c.kind !== 'start') throw new Error('not a start');
    expect(c.prison.ipv4).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(c.prison.ipv6).toEqual(['2001:db8::11']);
    expect(c.prison.aliases).toEqual([
      { interface: 'd0', address: '192.0.2.11', prefixLength: 24 },
      { interface: 'd0', address: '2001:db8::11', prefixLength: 128 },
    ]);
  });
});

describe('jail: the four-argument form', () => {
  it('parses path hostname ip-number command', () => {
    const c = parseJailArgs('jail', [`${dir}/`, 'ahost', '127.0.0.2', '/bin/sh', '-c', 'id'], root);
    expect(c).toEqual({
      kind: 'start',
      tool: 'jail',
      prison: {
        path: dir,
        hostname: 'ahost',
        ipv4: ['127.0.0.2'],
        ipv6: [],
        flags: {
          allowIpc: false,
          allowAllDomains: false,
          allowRawSockets: false,
          allowChflags: false,
          allowRlimit: false,
          allowSetHostname: true,
        },
      },
      command: ['/bin/sh', '-c', 'id'],
      background: false,
      printJid: false,
      terminal: 'auto',
    });
  });

  it('-t forces a terminal of the jail, -T refuses one', () => {
    const args = [dir, 'ahost', '127.0.0.2', 'sh'];
    expect(parseJailArgs('jail', ['-t', ...args], root)).toMatchObject({ terminal: 'force' });
    expect(parseJailArgs('sysjail', ['-T', ...args], root)).toMatchObject({ terminal: 'never' });
  });

  it('has no --allow flags and no -b', () => {
    expect(failure('jail', ['--allow-ipc', dir, 'h', '127.0.0.2', 'sh'])).toEqual({
      code: 'UNKNOWN_OPTION',
      message: 'unknown option: --allow-ipc',
      status: 2,
    });
    expect(failure('jail', ['-b', dir, 'h', '127.0.0.2', 'sh']).code).toBe('UNKNOWN_OPTION');
  });

  it("takes -r [-v] jid|name ... or '*' to stop jails", () => {
    expect(parseJailArgs('jail', ['-r', '7'], root)).toEqual({
      kind: 'remove',
      tool: 'jail',
      jails: [7],
      verbose: false,
    });
    expect(parseJailArgs('sysjail', ['-rv', 'web', '3'], root)).toEqual({
      kind: 'remove',
      tool: 'sysjail',
      jails: ['web', 3],
      verbose: true,
    });
    expect(parseJailArgs('jail', ['-r', '*'], root)).toEqual({
      kind: 'remove',
      tool: 'jail',
      jails: '*',
      verbose: false,
    });
    expect(failure('jail', ['-r', '7'], 1000)).toMatchObject({ code: 'NOT_ROOT', status: 1 });
    expect(failure('jail', ['-r'])).toMatchObject({ code: 'MISSING_ARGUMENT', status: 2 });
    expect(failure('jail', ['-v', dir, 'h', '127.0.0.2', 'sh'])).toMatchObject({ status: 2 });
  });
});

describe('sysjail options', () => {
  it('sets flags, addresses, name, user and background', () => {
    const c = parseJailArgs(
      'sysjail',
      [
        '-b',
        '-4',
        '127.0.0.3',
        '-6',
        '0::1',
        '--allow-host-loopback',
        '--allow-ipc',
        '--allow-all-domains',
        '--allow-raw-sockets',
        '--allow-chflags',
        '--allow-rlimit',
        '-n',
        'web',
        '-U',
        'nobody',
        dir,
        'web.local',
        '127.0.0.2,::1,127.0.0.3',
        'httpd',
        '-X',
      ],
      root,
    );
    if (c.kind !== 'start') throw new Error('not a start');
    expect(c.background).toBe(true);
    expect(c.user).toEqual({ name: 'nobody', uid: 65534, gid: 65534 });
    expect(c.prison.name).toBe('web');
    expect(c.prison.ipv4).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(c.prison.ipv6).toEqual(['::1']);
    expect(c.prison.flags).toEqual({
      allowIpc: true,
      allowAllDomains: true,
      allowRawSockets: true,
      allowChflags: true,
      allowRlimit: true,
      allowSetHostname: true,
    });
    expect(c.command).toEqual(['httpd', '-X']);
  });

  it('refuses a bad name or user', () => {
    expect(failure('sysjail', ['-n', '42', dir, 'h', '127.0.0.2', 'sh']).code).toBe('BAD_NAME');
    expect(failure('sysjail', ['-n', 'a/b', dir, 'h', '127.0.0.2', 'sh']).code).toBe('BAD_NAME');
    expect(failure('sysjail', ['-u', 'a:b', dir, 'h', '127.0.0.2', 'sh']).code).toBe('BAD_USER');
    expect(failure('jail', ['-U', 'daemon', dir, 'h', '127.0.0.2', 'sh'])).toEqual({
      code: 'UNKNOWN_USER',
      message: 'unknown user in the jail: daemon',
      status: 1,
    });
    expect(failure('jail', ['-u', 'no-such-host-user', dir, 'h', '127.0.0.2', 'sh'])).toEqual({
      code: 'UNKNOWN_USER',
      message: 'unknown user: no-such-host-user',
      status: 1,
    });
    // -u: the host's passwd (daemon is not in the jail's), as FreeBSD's jail(8).
    const host = parseJailArgs('jail', ['-u', 'daemon', dir, 'h', '127.0.0.2', 'sh'], root);
    expect(host.kind === 'start' && host.user).toEqual({ name: 'daemon', uid: 1, gid: 1 });
    const byUid = parseJailArgs('jail', ['-U', '0', dir, 'h', '127.0.0.2', 'sh'], root);
    expect(byUid.kind === 'start' && byUid.user).toEqual({ name: 'root', uid: 0, gid: 0 });
    const unnamed = parseJailArgs('jail', ['-U', '1234', dir, 'h', '127.0.0.2', 'sh'], root);
    expect(unnamed.kind === 'start' && unnamed.user).toEqual({ name: '1234', uid: 1234, gid: 1234 });
  });

  it("refuses the host's own loopback, the 127/8 network and broadcast, unless --allow-host-loopback", () => {
    const cases: [string[], RegExp][] = [
      [[dir, 'h', '127.0.0.1', 'sh'], /address 127\.0\.0\.1 is the host's own loopback address/],
      [[dir, 'h', '127.0.0.2,::1', 'sh'], /address ::1 is the host's own loopback address/],
      [[dir, 'h', '0:0::1', 'sh'], /address ::1 is the host's own loopback address/],
      [[dir, 'h', '127.0.0.0', 'sh'], /address 127\.0\.0\.0 is the network address of 127\.0\.0\.0\/8/],
      [[dir, 'h', '127.255.255.255', 'sh'], /the broadcast address of 127\.0\.0\.0\/8/],
      [['-4', '127.0.0.1', dir, 'h', '127.0.0.2', 'sh'], /127\.0\.0\.1 is the host's own loopback/],
      [['-6', '::1', dir, 'h', '127.0.0.2', 'sh'], /::1 is the host's own loopback/],
      [['-4', '127.255.255.255', dir, 'h', '127.0.0.2', 'sh'], /broadcast/],
      [['-4', '127.0.0.0', dir, 'h', '127.0.0.2', 'sh'], /network address/],
    ];
    for (const [argv, message] of cases) {
      for (const tool of ['jail', 'sysjail'] as const) {
        if (tool === 'jail' && argv[0].startsWith('-')) continue;
        const f = failure(tool, argv);
        expect(f.code, argv.join(' ')).toBe('HOST_LOOPBACK_ADDRESS');
        expect(f.message).toMatch(message);
        expect(f.message).toMatch(/reach the host's services there .*--allow-host-loopback/);
        expect(f.status).toBe(2);
      }
      const allowed = parseJailArgs('sysjail', ['--allow-host-loopback', ...argv], root);
      expect(allowed.kind, argv.join(' ')).toBe('start');
    }
    // Only sysjail has the option.
    expect(failure('jail', ['--allow-host-loopback', dir, 'h', '127.0.0.1', 'sh']).code).toBe(
      'UNKNOWN_OPTION',
    );
    // Any other 127/8 address is a jail address.
    for (const a of ['127.0.0.2', '127.0.0.255', '127.1.0.0', '127.255.255.254']) {
      const c = parseJailArgs('jail', [dir, 'h', a, 'sh'], root);
      expect(c.kind === 'start' && c.prison.ipv4).toEqual([a]);
    }
  });

  it('refuses -4 with an IPv6 address and -6 with an IPv4 one', () => {
    expect(failure('sysjail', ['-4', '::1', dir, 'h', '127.0.0.2', 'sh']).code).toBe('BAD_ADDRESS');
    expect(failure('sysjail', ['-6', '127.0.0.2', dir, 'h', '127.0.0.2', 'sh']).code).toBe('BAD_ADDRESS');
  });
});

describe('validation: one line, exit status 2 (usage) or 1 (the host refuses)', () => {
  const cases: [string, string[], string, RegExp, number?][] = [
    ['missing path', [], 'MISSING_PATH', /missing jail path/],
    ['relative path', ['jails/a', 'h', '127.0.0.2', 'sh'], 'RELATIVE_PATH', /must be absolute/],
    [
      'path that does not exist',
      [join(dir, 'nope'), 'h', '127.0.0.2', 'sh'],
      'PATH_NOT_FOUND',
      /does not exist/,
      1,
    ],
    ['path that is a file', [file, 'h', '127.0.0.2', 'sh'], 'NOT_A_DIRECTORY', /not a directory/, 1],
    ['missing hostname', [dir], 'MISSING_ARGUMENT', /missing hostname/],
    ['bad hostname', [dir, 'bad_host', '127.0.0.2', 'sh'], 'BAD_HOSTNAME', /invalid hostname "bad_host"/],
    ['too long hostname', [dir, 'a'.repeat(300), '127.0.0.2', 'sh'], 'BAD_HOSTNAME', /255/],
    ['missing address', [dir, 'h'], 'MISSING_ARGUMENT', /missing IP address/],
    [
      'malformed address',
      [dir, 'h', '127.0.0.300', 'sh'],
      'BAD_ADDRESS',
      /invalid IP address: 127\.0\.0\.300/,
    ],
    ['no command', [dir, 'h', '127.0.0.2'], 'NO_COMMAND', /no command/],
    ['unknown option', ['-z', dir, 'h', '127.0.0.2', 'sh'], 'UNKNOWN_OPTION', /unknown option: -z/],
    ['option without its argument', ['-n'], 'MISSING_OPTION_ARGUMENT', /requires an argument: -n/],
  ];
  for (const [what, argv, code, message, status = 2] of cases) {
    it(`jail and sysjail: ${what}`, () => {
      for (const tool of ['jail', 'sysjail'] as const) {
        const f = failure(tool, argv);
        expect(f.code).toBe(code);
        expect(f.message).toMatch(message);
        expect(f.status).toBe(status);
      }
    });
  }

  it("the host's root, however spelt, is refused once resolved", () => {
    symlinkSync('/', join(dir, 'to-slash'));
    symlinkSync('../../../../../..', join(dir, 'to-dotdot'));
    for (const spelling of [
      '/',
      '//',
      '/tmp/..',
      '/./',
      join(dir, 'to-slash'),
      `${join(dir, 'to-dotdot')}/`,
    ]) {
      for (const tool of ['jail', 'sysjail'] as const) {
        expect(failure(tool, [spelling, 'h', '127.0.0.2', 'sh']), spelling).toEqual({
          code: 'HOST_ROOT_PATH',
          message: `jail path ${spelling} is the host's root directory`,
          status: 2,
        });
      }
    }
  });

  it('a jail path through a link or .. is resolved once, and that path is the prison', () => {
    mkdirSync(join(dir, 'jails/a'), { recursive: true });
    symlinkSync(join(dir, 'jails/a'), join(dir, 'link-a'));
    for (const spelling of [join(dir, 'link-a'), `${dir}/jails/../jails/./a`, `${dir}//jails/a/`]) {
      const c = parseJailArgs('jail', [spelling, 'h', '127.0.0.2', 'sh'], root);
      expect(c.kind === 'start' && c.prison.path, spelling).toBe(join(dir, 'jails/a'));
    }
  });

  it.runIf(process.geteuid?.() === 0)('a jail path host users can reach is refused, with the fix', () => {
    // The host's temp dir must be open to all (1777) for a directory in it to be reachable.
    expect((statSync(tmpdir()).mode & 0o7777).toString(8), `${tmpdir()} mode`).toBe('1777');
    const open = mkdtempSync(join(tmpdir(), 'sysjail-config-open-'));
    try {
      mkdirSync(join(open, 'j'));
      chmodSync(join(open, 'j'), 0o755); // whatever the umask
      chmodSync(open, 0o755);
      expect(failure('jail', [join(open, 'j'), 'h', '127.0.0.2', 'sh'])).toEqual({
        code: 'JAIL_PATH_REACHABLE',
        message:
          `jail path ${join(open, 'j')} is reachable by host users: ${open} lets every host user through to ` +
          'the jail path: they could run the setuid files that root in the jail makes, as root ' +
          `(fix: chmod 700 ${open})`,
        status: 1,
      });
      chmodSync(open, 0o775);
      expect(failure('jail', [join(open, 'j'), 'h', '127.0.0.2', 'sh']).message).toBe(
        `jail path ${join(open, 'j')} is reachable by host users: ${open} may be written by others than ` +
          `root, who could replace what is below it (fix: chmod go-w ${open})`,
      );
      chmodSync(open, 0o700);
      chownSync(open, 65534, 65534);
      expect(failure('jail', [join(open, 'j'), 'h', '127.0.0.2', 'sh']).message).toBe(
        `jail path ${join(open, 'j')} is reachable by host users: ${open} belongs to uid 65534, who could ` +
          `replace what is below it (fix: chown root ${open})`,
      );
      chownSync(open, 0, 0);
      // Closed: root only passes through it.
      expect(parseJailArgs('jail', [join(open, 'j'), 'h', '127.0.0.2', 'sh'], root).kind).toBe('start');
      // A sticky world-writable directory above a closed one is fine (/tmp is one).
      chmodSync(open, 0o1777);
      mkdirSync(join(open, 'closed'), { mode: 0o700 });
      mkdirSync(join(open, 'closed/j'));
      expect(parseJailArgs('jail', [join(open, 'closed/j'), 'h', '127.0.0.2', 'sh'], root).kind).toBe(
        'start',
      );
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('not root', () => {
    const f = failure('jail', [dir, 'h', '127.0.0.2', 'sh'], 1000);
    expect(f).toEqual({ code: 'NOT_ROOT', message: 'jail must be run as root', status: 1 });
  });
});
