import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulation } from '@sysjail/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chooseEmulation,
  commandEmulation,
  commandHeader,
  jailEmulation,
  MIXED,
} from './emulation-choice.js';

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
    const text = (cmd: string) => Buffer.from(commandHeader(root, cmd)).toString('latin1');
    expect(text('/bin/sh')).toBe('\x7fELF-jail-busybox');
    expect(text('/usr/bin/env')).toBe('\x7fELF-jail-busybox');
    expect(text('/sbin/sh')).toBe('\x7fELF-jail-busybox');
    expect(text('/../../bin/sh')).toBe('\x7fELF-jail-busybox');
    expect(text('env')).toBe('\x7fELF-jail-busybox');
    expect(() => commandHeader(root, '/bin/escape')).toThrow('/bin/escape: not found in the jail');
    expect(() => commandHeader(root, 'nope')).toThrow('nope: not found in the jail');
    expect(() => commandHeader(root, '/bin')).toThrow('/bin: is a directory in the jail');
  });

  it('skips a FIFO (never waits on one)', () => {
    execFileSync('mkfifo', [join(root, 'bin/fifo')]);
    expect(() => commandHeader(root, '/bin/fifo')).toThrow('/bin/fifo: not found in the jail');
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

describe('mixed jails', () => {
  const rule = { offset: 0, magic: Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 9) };
  const linux = fake('linux', 'jail-busybox');
  const freebsd = { ...fake('freebsd', 'freebsd'), loader: '/loader', binfmt: rule } as unknown as Emulation;
  const loaderOnly = { ...fake('other', 'other'), loader: '/other-loader' } as unknown as Emulation;

  it('run the command as its header says, under the native filter, with the loader and its binfmt rule', () => {
    const chosen = commandEmulation([linux, freebsd], MIXED, root, '/bin/sh');
    expect(chosen.name).toBe('linux');
    expect(jailEmulation([linux, freebsd], chosen, true)).toEqual({
      emulation: linux,
      loader: '/loader',
      underLoader: false,
      loaderBinfmt: rule,
    });
    const bsd = commandEmulation([linux, freebsd], MIXED, root, 'fbsd');
    expect(jailEmulation([linux, freebsd], bsd, true)).toEqual({
      emulation: linux,
      loader: '/loader',
      underLoader: true,
      loaderBinfmt: rule,
    });
  });

  it('only when asked: a plain jail gets no binfmt rule', () => {
    expect(jailEmulation([linux, freebsd], linux).loaderBinfmt).toBeUndefined();
    expect(jailEmulation([linux, freebsd], freebsd).loaderBinfmt).toBeUndefined();
  });

  it('need an emulation whose loader the kernel can pick: none is a runtime error', () => {
    expect(() => jailEmulation([linux, loaderOnly], linux, true)).toThrow(
      'emulation mixed: no installed emulation has a loader the kernel can pick per exec',
    );
  });
});
