import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BinaryNotFoundError,
  BusyboxNotFoundError,
  DirectoryNotEmptyError,
  NotAJailRootError,
} from '../errors.js';
import { buildJailRoot } from './jail-root.js';

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

describe('buildJailRoot refusals', () => {
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
