import { describe, expect, it } from 'vitest';
import { SharedLibraryError } from '../errors.js';
import { parseLddOutput } from './shared-libraries.js';

describe('parseLddOutput', () => {
  it('lists the libraries and the interpreter, not the vdso', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd5a1f2000)',
      '\tlibselinux.so.1 => /lib/x86_64-linux-gnu/libselinux.so.1 (0x00007f1c2a0b4000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1c29ed2000)',
      '\tlinux-gate.so.1 =>  (0xf7f9e000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f1c2a11c000)',
      '',
    ].join('\n');
    expect(parseLddOutput('/bin/ls', out)).toEqual([
      '/lib/x86_64-linux-gnu/libselinux.so.1',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('gives nothing for a static binary', () => {
    expect(parseLddOutput('/bin/busybox', '\tnot a dynamic executable\n')).toEqual([]);
    expect(parseLddOutput('/x', '\tstatically linked\n')).toEqual([]);
  });

  it('fails on a missing library', () => {
    expect(() => parseLddOutput('/x', '\tlibfoo.so.1 => not found\n')).toThrow(SharedLibraryError);
    expect(() => parseLddOutput('/x', '\tlibfoo.so.1 => not found\n')).toThrow('libfoo.so.1 not found');
  });
});
