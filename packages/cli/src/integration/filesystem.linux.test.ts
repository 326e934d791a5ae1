/**
 * The jail's root is PATH: `..`, symlinks pointing out (absolute and relative), chroot-in-chroot, fds
 * inherited from the caller and open_by_handle_at lead nowhere; /proc lists only the jail's processes;
 * /proc/sys, /sys and /proc/sysrq-trigger cannot be opened for writing (opened O_WRONLY, never written).
 */
import { closeSync, constants, openSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture, SECRET } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';
import { runJail } from './run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('fs');
  symlinkSync(fx.secretPath, join(fx.root, 'link-absolute'));
  // Resolved on the host, this one does reach the secret: root/../outside/secret.
  symlinkSync('../outside/secret', join(fx.root, 'link-relative'));
  symlinkSync(`${'../'.repeat(12)}${fx.secretPath.slice(1)}`, join(fx.root, 'tmp', 'link-relative-deep'));
});
afterAll(() => fx?.cleanup());

describe.each(['probe64', 'probe32'])('file system confinement (%s)', (probe) => {
  let out: Map<string, string>;
  let stdout: string;
  beforeAll(async () => {
    // fd 3 of the jail command: the host directory holding the secret.
    const hostDir = openSync(fx.outside, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      const r = await runJail(
        fx,
        [fx.root, 'fs.example', '127.0.0.5', `/bin/${probe}`, 'fs', fx.secretPath],
        {
          extraFds: [hostDir],
        },
      );
      expect(r).toMatchObject({ status: 0, stderr: '' });
      stdout = r.stdout;
      out = parseProbe(r.stdout);
    } finally {
      closeSync(hostDir);
    }
  });

  it('never prints the host secret', () => {
    expect(stdout).not.toContain(SECRET);
  });

  it('.. at the root stays at the root', () => {
    expect(out.get('dotdot')).toBe('same');
    expect(out.get('cwd')).toBe('/');
    expect(out.get('secret-direct')).toBe('ENOENT');
    expect(out.get('secret-dotdot')).toBe('ENOENT');
  });

  it('symlinks pointing out resolve inside the jail', () => {
    expect(out.get('link-absolute')).toBe('ENOENT');
    expect(out.get('link-relative')).toBe('ENOENT');
    expect(out.get('link-relative-deep')).toBe('ENOENT');
  });

  it('chroot-in-chroot is refused', () => {
    expect(out.get('chroot')).toBe('EPERM');
    expect(out.has('secret-after-chroot')).toBe(false);
  });

  it('an fd to a host directory passed to the jail command does not reach the jailed process', () => {
    expect(out.get('inherited-fds')).toBe('0');
    expect(out.has('inherited-fd-reach')).toBe(false);
  });

  it('open_by_handle_at is refused', () => {
    expect(out.get('open_by_handle_at')).toBe('EPERM');
  });

  it('/proc lists only the jail: its init (1) and the probe (2)', () => {
    expect(out.get('proc-pids')).toBe('1 2');
  });

  it('/proc/sys, /sys and /proc/sysrq-trigger are read-only', () => {
    for (const f of [
      '/proc/sys/kernel/hostname',
      '/proc/sys/vm/drop_caches',
      '/proc/sys/kernel/core_pattern',
    ]) {
      expect(out.get(`wronly:${f}`), f).toMatch(/^(EROFS|EACCES|EPERM)$/);
    }
    for (const f of [
      '/sys/kernel/uevent_helper',
      '/sys/kernel/mm/transparent_hugepage/enabled',
      '/proc/sysrq-trigger',
    ]) {
      expect(out.get(`wronly:${f}`), f).toMatch(/^(EROFS|EACCES|EPERM|absent)$/);
    }
    expect(out.get('statvfs:/proc/sys')).toBe('ro');
    expect(out.get('statvfs:/sys')).toBe('ro');
  });
});
