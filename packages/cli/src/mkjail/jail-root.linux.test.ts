import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BinaryNotFoundError,
  BusyboxNotFoundError,
  DirectoryNotEmptyError,
  NotAJailRootError,
} from '../errors.js';
import { buildJailRoot, MADE_FILES } from './jail-root.js';
import { debootstrapRoot } from './root-source.js';

const base = mkdtempSync(join(tmpdir(), 'sysjail-mkjail-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const isRoot = process.geteuid?.() === 0;

describe.runIf(isRoot)('buildJailRoot (root: chroots into the result)', () => {
  it('builds a root in which busybox sh, ls and id work', () => {
    const dir = join(base, 'plain');
    const s = buildJailRoot({ dir, force: false, binaries: [] });
    expect(s.applets).toContain('/bin/sh');
    expect(s.applets).toContain('/bin/ls');
    expect(s.applets).toContain('/usr/bin/id');
    expect(readlinkSync(join(dir, 'bin/sh'))).toBe('/bin/busybox');
    expect(statSync(join(dir, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(dir, 'var/tmp')).mode & 0o7777).toBe(0o1777);
    for (const d of ['bin', 'sbin', 'usr/bin', 'etc', 'dev', 'proc', 'sys', 'root', 'run']) {
      expect(statSync(join(dir, d)).isDirectory(), d).toBe(true);
    }
    expect(readFileSync(join(dir, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:.*\nnobody:x:65534:65534:/);
    expect(readFileSync(join(dir, 'etc/hosts'), 'utf8')).toMatch(/127\.0\.0\.1\tlocalhost/);
    const out = execFileSync('chroot', [dir, '/bin/sh', '-c', 'ls /; id; id -un nobody; echo $((6*7))'], {
      encoding: 'utf8',
    });
    const lines = out.trim().split('\n');
    for (const d of ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp', 'usr', 'var'])
      expect(lines).toContain(d);
    expect(lines).toContain('uid=0(root) gid=0(root)');
    expect(lines).toContain('nobody');
    expect(lines.at(-1)).toBe('42');
  });

  it('refuses a non-empty directory unless -f, and -f rebuilds without harm', () => {
    const dir = join(base, 'plain');
    expect(() => buildJailRoot({ dir, force: false, binaries: [] })).toThrow(DirectoryNotEmptyError);
    const s = buildJailRoot({ dir, force: true, binaries: [] });
    expect(s.applets).toEqual([]); // links already there
    expect(execFileSync('chroot', [dir, '/bin/echo', 'ok'], { encoding: 'utf8' })).toBe('ok\n');
  });

  it('-f follows no link planted in the root out of it: host directories and files stay untouched', () => {
    const dir = join(base, 'planted');
    buildJailRoot({ dir, force: false, binaries: [] });
    // What jailed root could leave behind: /var/tmp and /tmp as links to host directories, /etc/hosts
    // and /etc/passwd as links to host files, /usr/bin as a link to a host directory.
    const host = join(base, 'host-side');
    mkdirSync(join(host, 'dir'), { recursive: true, mode: 0o700 });
    mkdirSync(join(host, 'etc'));
    chmodSync(join(host, 'etc'), 0o755);
    mkdirSync(join(host, 'bin'), { mode: 0o700 });
    writeFileSync(join(host, 'hosts'), 'host hosts\n', { mode: 0o600 });
    writeFileSync(join(host, 'passwd'), 'host passwd\n', { mode: 0o600 });
    rmSync(join(dir, 'var/tmp'), { recursive: true });
    symlinkSync(join(host, 'dir'), join(dir, 'var/tmp'));
    rmSync(join(dir, 'tmp'), { recursive: true });
    symlinkSync(join(host, 'etc'), join(dir, 'tmp'));
    rmSync(join(dir, 'etc/hosts'));
    symlinkSync(join(host, 'hosts'), join(dir, 'etc/hosts'));
    rmSync(join(dir, 'etc/passwd'));
    symlinkSync(`../../../../../../../..${join(host, 'passwd')}`, join(dir, 'etc/passwd'));
    rmSync(join(dir, 'usr/bin'), { recursive: true });
    symlinkSync(join(host, 'bin'), join(dir, 'usr/bin'));
    const before = snapshot(host);

    const summary = buildJailRoot({ dir, force: true, binaries: ['/usr/bin/ls'] });

    expect(snapshot(host)).toEqual(before);
    expect(readFileSync(join(host, 'hosts'), 'utf8')).toBe('host hosts\n');
    expect(statSync(join(host, 'etc')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(host, 'dir')).mode & 0o7777).toBe(0o700);
    // The jail's links are its own: kept as they are (mkjail did not make them), never followed out.
    for (const d of ['var/tmp', 'tmp', 'usr/bin', 'etc/hosts', 'etc/passwd'])
      expect(lstatSync(join(dir, d)).isSymbolicLink(), d).toBe(true);
    expect(summary.kept).toEqual(expect.arrayContaining(['/etc/hosts', '/etc/passwd', '/usr/bin/ls']));
  });

  it('-f: a link in a parent of what it writes is resolved inside the root', () => {
    const dir = join(base, 'planted-parent');
    buildJailRoot({ dir, force: false, binaries: [] });
    const host = join(base, 'host-etc');
    mkdirSync(host);
    chmodSync(host, 0o755);
    rmSync(join(dir, 'etc'), { recursive: true });
    symlinkSync(host, join(dir, 'etc')); // /etc → a host directory: resolved as <root>/<host path>
    buildJailRoot({ dir, force: true, binaries: [] });
    expect(readdirSync(host)).toEqual([]);
    expect(statSync(host).mode & 0o7777).toBe(0o755);
  });

  it('-b copies dynamic host binaries with their libraries and interpreter', () => {
    const dir = join(base, 'dynamic');
    const s = buildJailRoot({ dir, force: false, binaries: ['/usr/bin/ls', 'getent'] });
    expect(s.copied).toContain('/usr/bin/ls');
    expect(s.copied.some((p) => /\/libc\.so\.6$/.test(p))).toBe(true);
    expect(s.copied.some((p) => /ld-linux-x86-64\.so\.2$/.test(p))).toBe(true);
    // The host ls replaced the applet link (not written through it: busybox is intact).
    expect(lstatSync(join(dir, 'usr/bin/ls')).isSymbolicLink()).toBe(false);
    expect(execFileSync('chroot', [dir, '/bin/busybox', 'true'])).toBeDefined();
    expect(execFileSync('chroot', [dir, '/usr/bin/ls', '-d', '/etc'], { encoding: 'utf8' })).toBe('/etc\n');
    const pw = execFileSync('chroot', [dir, '/usr/bin/getent', 'passwd', 'nobody'], { encoding: 'utf8' });
    expect(pw).toMatch(/^nobody:x:65534:65534:/);
  });
});

/** Every entry below `dir` (links not followed) with its mode, size and content digest. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      out[p] = `${st.mode.toString(8)} ${st.uid} ${st.size} ${st.isFile() ? readFileSync(p, 'base64') : ''}`;
      if (st.isDirectory()) walk(p);
    }
  };
  out[dir] = lstatSync(dir).mode.toString(8);
  walk(dir);
  return out;
}

describe('buildJailRoot refusals', () => {
  it('makes missing parents root-only and refuses a directory host users can reach', () => {
    const dir = join(base, 'new-parent', 'deeper', 'jail');
    buildJailRoot({ dir, force: false, binaries: [] });
    expect(statSync(join(base, 'new-parent')).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, 'new-parent', 'deeper')).mode & 0o777).toBe(0o700);
    // The host's temp dir must be open to all (1777) for a directory in it to be reachable.
    expect((statSync(tmpdir()).mode & 0o7777).toString(8), `${tmpdir()} mode`).toBe('1777');
    const open = mkdtempSync(join(tmpdir(), 'sysjail-mkjail-open-'));
    try {
      chmodSync(open, 0o755);
      expect(() => buildJailRoot({ dir: join(open, 'jail'), force: false, binaries: [] })).toThrow(
        `jail path ${join(open, 'jail')} is reachable by host users: ${open} lets every host user through ` +
          'to the jail path: they could run the setuid files that root in the jail makes, as root ' +
          `(fix: chmod 700 ${open})`,
      );
      expect(existsSync(join(open, 'jail'))).toBe(false);
      chmodSync(open, 0o700);
      buildJailRoot({ dir: join(open, 'jail'), force: false, binaries: [] });
      expect(statSync(join(open, 'jail')).mode & 0o777).toBe(0o755);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('refuses a file as the directory, a missing binary or busybox', () => {
    const file = join(base, 'file');
    writeFileSync(file, 'x');
    expect(() => buildJailRoot({ dir: file, force: true, binaries: [] })).toThrow(NotAJailRootError);
    expect(() =>
      buildJailRoot({ dir: join(base, 'n1'), force: false, binaries: ['no-such-binary-here'] }),
    ).toThrow(BinaryNotFoundError);
    expect(() =>
      buildJailRoot({ dir: join(base, 'n2'), force: false, binaries: [], busybox: join(base, 'nope') }),
    ).toThrow(BusyboxNotFoundError);
    expect(existsSync(join(base, 'n1'))).toBe(false);
    expect(existsSync(join(base, 'n2'))).toBe(false);
    mkdirSync(join(base, 'n3'));
    writeFileSync(join(base, 'n3', 'x'), '');
    expect(() => buildJailRoot({ dir: join(base, 'n3'), force: false, binaries: [] })).toThrow(
      /is not empty/,
    );
  });
});

describe.runIf(isRoot)('mkjail -f never overwrites what it did not make', () => {
  it('keeps a user added to /etc/passwd and a file of its own; replaces only its unchanged files', () => {
    const dir = join(base, 'keep');
    buildJailRoot({ dir, force: false, binaries: [] });
    expect(statSync(join(dir, MADE_FILES)).mode & 0o777).toBe(0o600);
    writeFileSync(
      join(dir, 'etc/passwd'),
      `${readFileSync(join(dir, 'etc/passwd'), 'utf8')}www:x:80:80::/:/bin/sh\n`,
    );
    rmSync(join(dir, 'bin/ls'));
    writeFileSync(join(dir, 'bin/ls'), 'mine\n');
    const s = buildJailRoot({ dir, force: true, binaries: [] });
    // An applet path someone filled is kept quietly; their /etc/passwd is kept and said.
    expect(s.kept).toEqual(['/etc/passwd']);
    expect(readFileSync(join(dir, 'etc/passwd'), 'utf8')).toMatch(/\nwww:x:80:80::\/:\/bin\/sh\n$/);
    expect(readFileSync(join(dir, 'bin/ls'), 'utf8')).toBe('mine\n');
    // Its own, unchanged: still there and still its own (a later -f may replace them).
    expect(readFileSync(join(dir, 'etc/hosts'), 'utf8')).toMatch(/localhost/);
    expect(readFileSync(join(dir, MADE_FILES), 'utf8')).toMatch(/^sha256:[0-9a-f]{64} \/etc\/hosts$/m);
    // And again: still theirs.
    expect(buildJailRoot({ dir, force: true, binaries: [] }).kept).toEqual(['/etc/passwd']);
    expect(readFileSync(join(dir, 'etc/passwd'), 'utf8')).toMatch(/\nwww:x:80:80::\/:\/bin\/sh\n$/);
  });
});

describe('mkjail refuses the host root', () => {
  it('by any name, with or without -f, and says nothing of -f', () => {
    for (const dir of ['/', '/.', '/usr/..', '/proc/self/root', '/proc/self/root/'])
      for (const force of [false, true]) {
        let error: unknown;
        try {
          buildJailRoot({ dir, force, binaries: [] });
        } catch (e) {
          error = e;
        }
        expect((error as { code?: string })?.code, dir).toBe('HOST_ROOT');
        expect((error as Error).message).toBe(
          `${dir} is the host's root directory: refusing to build a jail root there`,
        );
      }
  });
});

describe.runIf(isRoot)('mkjail -b interpreters and scripts', () => {
  it('python3: its standard library and the libraries of its modules come along', () => {
    const dir = join(base, 'python');
    const s = buildJailRoot({ dir, force: false, binaries: ['/usr/bin/python3'] });
    expect(s.warnings).toEqual([]);
    const out = execFileSync(
      'chroot',
      [
        dir,
        '/usr/bin/python3',
        '-c',
        'import json, hashlib, zlib, os; print(json.dumps(6 * 7), hashlib.sha256(b"").hexdigest()[:8])',
      ],
      { encoding: 'utf8' },
    );
    expect(out).toBe('42 e3b0c442\n');
  }, 120_000);

  it('a perl script: perl, its @INC and the libraries of its modules come along', () => {
    const dir = join(base, 'perl');
    const script = join(base, 'hello.pl');
    writeFileSync(script, '#!/usr/bin/perl\nuse POSIX qw(floor);\nprint floor(42.5), "\\n";\n', {
      mode: 0o755,
    });
    const s = buildJailRoot({ dir, force: false, binaries: [script] });
    expect(s.copied).toContain('/usr/bin/perl');
    expect(s.warnings).toEqual([]);
    expect(execFileSync('chroot', [dir, script], { encoding: 'utf8' })).toBe('42\n');
  }, 120_000);

  it('an interpreter it does not know: copied, with a warning', () => {
    const dir = join(base, 'ruby');
    const fake = join(base, 'bin-ruby', 'ruby');
    mkdirSync(dirname(fake), { recursive: true });
    writeFileSync(fake, readFileSync('/bin/true'), { mode: 0o755 });
    const s = buildJailRoot({ dir, force: false, binaries: [fake] });
    expect(s.copied).toContain(fake);
    expect(s.warnings).toEqual([`${fake} is a ruby interpreter: its library files are not copied`]);
  });
});

describe.runIf(isRoot)('mkjail --from-tar', () => {
  it('builds a root from a root-filesystem tarball', () => {
    const tarball = join(base, 'root.tar.gz');
    buildJailRoot({ dir: join(base, 'for-tar'), force: false, binaries: [] });
    execFileSync('tar', ['-C', join(base, 'for-tar'), '-czf', tarball, '.']);
    const dir = join(base, 'from-tar');
    const s = buildJailRoot({ dir, force: false, binaries: [], fromTar: tarball });
    expect(s.applets).toEqual([]); // from the tarball, not from busybox
    expect(execFileSync('chroot', [dir, '/bin/sh', '-c', 'echo ok; id -un'], { encoding: 'utf8' })).toBe(
      'ok\nroot\n',
    );
  });

  it('never writes outside the directory; a missing tarball is one line', () => {
    mkdirSync(join(base, 'evil/inner'), { recursive: true });
    writeFileSync(join(base, 'evil/x-escaped'), 'outside\n');
    const tarball = join(base, 'evil.tar');
    execFileSync('tar', ['-C', join(base, 'evil/inner'), '-cPf', tarball, '../x-escaped']);
    rmSync(join(base, 'evil/x-escaped'));
    const dir = join(base, 'evil/out');
    expect(() => buildJailRoot({ dir, force: false, binaries: [], fromTar: tarball })).toThrow(
      /tar could not extract/,
    );
    expect(existsSync(join(base, 'evil/x-escaped'))).toBe(false);
    expect(existsSync(join(base, 'x-escaped'))).toBe(false);
    expect(() =>
      buildJailRoot({ dir: join(base, 't2'), force: false, binaries: [], fromTar: join(base, 'nope.tar') }),
    ).toThrow(`no such tarball: ${join(base, 'nope.tar')}`);
  });

  it('with -f, refuses a root that is not empty: tar would follow the links a jail planted there', () => {
    const tarball = join(base, 'hosts.tar');
    mkdirSync(join(base, 'tar-src/etc'), { recursive: true });
    writeFileSync(join(base, 'tar-src/etc/hosts'), 'from the tarball\n');
    execFileSync('tar', ['-C', join(base, 'tar-src'), '-cf', tarball, 'etc']);
    const hostEtc = join(base, 'tar-host-etc');
    mkdirSync(hostEtc);
    writeFileSync(join(hostEtc, 'hosts'), 'the host file\n');
    const dir = join(base, 'tar-planted');
    buildJailRoot({ dir, force: false, binaries: [] });
    // what root in a jail can do: /etc becomes a link to a host directory
    rmSync(join(dir, 'etc'), { recursive: true });
    symlinkSync(hostEtc, join(dir, 'etc'));
    expect(() => buildJailRoot({ dir, force: true, binaries: [], fromTar: tarball })).toThrow(
      `${dir} is not empty: --from-tar writes with a host tool that would follow links planted there`,
    );
    expect(readFileSync(join(hostEtc, 'hosts'), 'utf8')).toBe('the host file\n');
  });
});

describe('mkjail --debootstrap (no download: a stand-in debootstrap and a loopback mirror)', () => {
  const stubDir = join(base, 'stub-bin');
  const argsFile = join(base, 'debootstrap-args');
  let server: Server;
  let mirror = '';
  beforeAll(async () => {
    mkdirSync(stubDir, { recursive: true });
    writeFileSync(
      join(stubDir, 'debootstrap'),
      `#!/bin/sh\necho "$@" > ${argsFile}\nmkdir -p "$3/etc" && echo debian > "$3/etc/debian_version"\n`,
      { mode: 0o755 },
    );
    server = createServer((req, res) => {
      res.statusCode = req.url === '/debian/dists/stable/Release' ? 200 : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debian`;
  });
  afterAll(() => server?.close());

  it('says so when debootstrap is not installed', async () => {
    await expect(
      debootstrapRoot('stable', join(base, 'd1'), mirror, { PATH: '/nonexistent' }),
    ).rejects.toThrow('--debootstrap needs debootstrap(8): apt-get install debootstrap');
  });

  it('says so when the mirror does not answer for the suite; builds nothing', async () => {
    const env = { PATH: `${stubDir}:/usr/bin:/bin` };
    // A loopback port nobody listens on (just closed).
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const dead = `http://127.0.0.1:${closed}/debian`;
    await expect(debootstrapRoot('stable', join(base, 'd2'), dead, env)).rejects.toThrow(
      `mirror not reachable for stable (${dead}/dists/stable/Release: ECONNREFUSED); no root built`,
    );
    await expect(debootstrapRoot('nosuchsuite', join(base, 'd2'), mirror, env)).rejects.toThrow(
      `mirror not reachable for nosuchsuite (${mirror}/dists/nosuchsuite/Release: HTTP 404); no root built`,
    );
    expect(existsSync(argsFile)).toBe(false);
    expect(existsSync(join(base, 'd2'))).toBe(false);
  });

  it.runIf(isRoot)('runs debootstrap --variant=minbase, then adds only the directories and -b', async () => {
    const dir = join(base, 'd3');
    await debootstrapRoot('stable', dir, mirror, { PATH: `${stubDir}:/usr/bin:/bin` });
    expect(readFileSync(argsFile, 'utf8')).toBe(`--variant=minbase stable ${dir} ${mirror}\n`);
    const s = buildJailRoot({ dir, force: false, binaries: [], prepared: true });
    expect(s.applets).toEqual([]);
    expect(existsSync(join(dir, 'bin/busybox'))).toBe(false);
    expect(statSync(join(dir, 'tmp')).mode & 0o7777).toBe(0o1777);
  });
});
