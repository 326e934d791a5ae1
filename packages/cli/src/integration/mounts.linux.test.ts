/**
 * Host directories in a jail: a read-only bind refuses writes from jailed root (and cannot be remounted),
 * a read-write one works, a symlinked destination cannot lead the mount out of the jail, a tmpfs works,
 * extra devices appear, and nothing of it is seen on the host, during or after.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from './jail-fixture.js';

let fx: JailFixture;
let ro: string;
let rw: string;

function sysjail(args: readonly string[]) {
  const r = spawnSync(process.execPath, [join(binDir, 'sysjail.js'), ...args], {
    env: fx.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hostMounts = () => readFileSync('/proc/self/mountinfo', 'utf8');

beforeAll(() => {
  fx = makeJailFixture('mounts');
  ro = join(fx.base, 'ro');
  rw = join(fx.base, 'rw');
  mkdirSync(ro);
  mkdirSync(rw);
  writeFileSync(join(ro, 'file'), 'read-only content\n');
  for (const d of ['mnt/ro', 'mnt/rw', 'mnt/t']) mkdirSync(join(fx.root, d), { recursive: true });
  // planted by the jail: an absolute symlink to a host directory, and one climbing with ..
  symlinkSync(fx.outside, join(fx.root, 'abs-link'));
  symlinkSync('../../../../../../../../../../mnt/t', join(fx.root, 'dotdot-link'));
});
afterAll(() => fx?.cleanup());

describe('mounts in a jail', () => {
  it('ro bind refuses writes from jailed root and cannot be remounted; rw bind writes reach the host; tmpfs works', () => {
    const r = sysjail([
      '--ro-bind',
      ro,
      '/mnt/ro',
      '--bind',
      rw,
      '/mnt/rw',
      '--tmpfs',
      '/mnt/t',
      fx.root,
      'h',
      '127.0.13.20',
      '/bin/sh',
      '-c',
      'cat /mnt/ro/file; echo x > /mnt/ro/new || echo ro-refused; rm /mnt/ro/file || echo rm-refused; ' +
        'mount -o remount,rw /mnt/ro || echo remount-refused; umount /mnt/ro || echo umount-refused; ' +
        'echo x > /mnt/ro/new || echo still-ro; id -u; echo written > /mnt/rw/out; echo temp > /mnt/t/f; cat /mnt/t/f',
    ]);
    expect(r.stdout).toBe(
      'read-only content\nro-refused\nrm-refused\nremount-refused\numount-refused\nstill-ro\n0\ntemp\n',
    );
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.status).toBe(0);
    expect(readFileSync(join(rw, 'out'), 'utf8')).toBe('written\n');
    expect(readdirSync(ro)).toEqual(['file']);
    expect(readdirSync(join(fx.root, 'mnt/t'))).toEqual([]); // the tmpfs was the jail's
    expect(hostMounts()).not.toContain(fx.root);
  });

  it('the mounts exist only in the jail: the host never sees them, nothing is left after', () => {
    const r = sysjail([
      '-b',
      '-n',
      'mounted',
      '--bind',
      rw,
      '/mnt/rw',
      '--tmpfs',
      '/mnt/t',
      fx.root,
      'h',
      '127.0.13.21',
      '/bin/sleep',
      '600',
    ]);
    expect(r.status).toBe(0);
    expect(hostMounts()).not.toContain(fx.root);
    const jexec = spawnSync(
      process.execPath,
      [join(binDir, 'jexec.js'), 'mounted', '/bin/sh', '-c', 'grep -c " /mnt/" /proc/self/mountinfo'],
      {
        env: fx.env,
        encoding: 'utf8',
      },
    );
    expect(jexec.stdout).toBe('2\n');
    expect(
      spawnSync(process.execPath, [join(binDir, 'jail.js'), '-r', 'mounted'], { env: fx.env }).status,
    ).toBe(0);
    expect(hostMounts()).not.toContain(fx.root);
  });

  it('a symlinked destination cannot lead out: an absolute link is resolved inside the root, .. stops at it', () => {
    const abs = sysjail(['--bind', ro, '/abs-link', fx.root, 'h', '127.0.13.22', '/bin/true']);
    // fx.outside does not exist inside the jail root: refused, and the host directory is untouched
    expect(abs.status).toBe(1);
    expect(abs.stderr).toBe('sysjail: cannot mount at /abs-link (resolved inside the jail): ENOENT\n');
    expect(readdirSync(fx.outside)).toEqual(['secret']);
    const up = sysjail([
      '--ro-bind',
      ro,
      '/dotdot-link',
      fx.root,
      'h',
      '127.0.13.22',
      '/bin/cat',
      '/mnt/t/file',
    ]);
    expect(up).toMatchObject({ status: 0, stdout: 'read-only content\n' }); // it landed on the jail's /mnt/t
    expect(hostMounts()).not.toContain(fx.root);
  });

  it('--device adds a host character device; bad mounts and devices are refused by name', () => {
    if (existsSync('/dev/fuse')) {
      const r = sysjail(['--device', 'fuse', fx.root, 'h', '127.0.13.23', '/bin/ls', '-l', '/dev/fuse']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^c.* 10, +229 .*\/dev\/fuse$/m);
    }
    expect(sysjail(['--device', 'vda', fx.root, 'h', '127.0.13.23', '/bin/true']).stderr).toMatch(
      /device "vda": (no \/dev\/vda on this host|\/dev\/vda is not a character device)/,
    );
    expect(sysjail(['--device', '../mem', fx.root, 'h', '127.0.13.23', '/bin/true']).stderr).toMatch(
      /device "\.\.\/mem": not a device name/,
    );
    const rel = sysjail(['--bind', 'relative', '/mnt/rw', fx.root, 'h', '127.0.13.23', '/bin/true']);
    expect(rel.status).toBe(2);
    expect(rel.stderr.split('\n')[0]).toBe('sysjail: --bind: relative: not an absolute path');
    expect(sysjail(['--tmpfs', '/', fx.root, 'h', '127.0.13.23', '/bin/true']).status).toBe(2);
    expect(sysjail(['--bind', ro, fx.root, 'h', '127.0.13.23', '/bin/true']).status).toBe(2);
  });
});
