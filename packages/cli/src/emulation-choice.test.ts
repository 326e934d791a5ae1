import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulation } from '@sysjail/core';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseEmulation, commandInJail, resolveInJail } from './emulation-choice.js';

const root = mkdtempSync(join(tmpdir(), 'sysjail-choice-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'bin'));
mkdirSync(join(root, 'usr/bin'), { recursive: true });
writeFileSync(join(root, 'bin/busybox'), '\x7fELF-jail-busybox');
writeFileSync(join(root, 'usr/bin/fbsd'), '\x7fELF-freebsd');
symlinkSync('/bin/busybox', join(root, 'bin/sh'));
symlinkSync('../../bin/busybox', join(root, 'usr/bin/env'));
symlinkSync('/etc/passwd', join(root, 'bin/escape'));
symlinkSync('/bin', join(root, 'sbin'));

const fake = (name: string, magic: string): Emulation =>
  ({
    name,
    detect: (h: Uint8Array) => Buffer.from(h).toString('latin1').includes(magic),
  }) as unknown as Emulation;

describe('commands in the jail', () => {
  it('resolves absolute symlinks against the jail root, never the host', () => {
    expect(resolveInJail(root, '/bin/sh')).toBe(join(root, 'bin/busybox'));
    expect(resolveInJail(root, '/usr/bin/env')).toBe(join(root, 'bin/busybox'));
    expect(resolveInJail(root, '/sbin/sh')).toBe(join(root, 'bin/busybox'));
    expect(resolveInJail(root, '/bin/escape')).toBeUndefined();
    expect(resolveInJail(root, '/../../bin/sh')).toBe(join(root, 'bin/busybox'));
    expect(commandInJail(root, 'env')).toBe(join(root, 'bin/busybox'));
    expect(() => commandInJail(root, 'nope')).toThrow('nope: not found in the jail');
    expect(() => commandInJail(root, '/bin')).toThrow('/bin: is a directory in the jail');
  });

  it('picks the emulation that detects the command, else the first', () => {
    const linux = fake('linux', 'jail-busybox');
    const freebsd = fake('freebsd', 'freebsd');
    expect(chooseEmulation([linux, freebsd], root, '/bin/sh').name).toBe('linux');
    expect(chooseEmulation([linux, freebsd], root, 'fbsd').name).toBe('freebsd');
    expect(chooseEmulation([freebsd, linux], root, '/usr/bin/env').name).toBe('linux');
    expect(() => chooseEmulation([], root, 'sh')).toThrow('no emulation installed');
  });
});
