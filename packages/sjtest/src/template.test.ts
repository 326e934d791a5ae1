import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { findPreset, presets } from './preset.js';
import { expandTemplate, splitWords } from './template.js';

const values = { root: '/tmp/r', hostname: 'h', ip: '127.0.0.5', cmd: ['/sjtest/victim64', 'run', 'a b'] };

describe('templates', () => {
  it('splits words with quotes', () => {
    expect(splitWords(`a 'b c' "d e" f''`)).toEqual(['a', 'b c', 'd e', 'f']);
    expect(() => splitWords(`a 'b`)).toThrow(UsageError);
  });

  it('expands {cmd} to the argv and the other placeholders in place', () => {
    expect(expandTemplate('jail {root} {hostname} {ip} {cmd}', values)).toEqual([
      'jail',
      '/tmp/r',
      'h',
      '127.0.0.5',
      '/sjtest/victim64',
      'run',
      'a b',
    ]);
    expect(expandTemplate(`sh -c 'exec {cmd}' --hostname={hostname}`, values)).toEqual([
      'sh',
      '-c',
      `exec /sjtest/victim64 run 'a b'`,
      '--hostname=h',
    ]);
  });

  it('refuses a template without {cmd}', () => {
    expect(() => expandTemplate('bwrap --bind {root} /', values)).toThrow(UsageError);
  });

  it('has the built-in presets, the sysjail one with --jail-bin', () => {
    expect(presets().map((p) => p.name)).toEqual([
      'sysjail',
      'bwrap',
      'firejail',
      'bwrap-strict',
      'chroot',
      'none',
    ]);
    expect(findPreset('sysjail', { jailBin: 'node /x/jail.js' }).template).toBe(
      'node /x/jail.js {root} {hostname} {ip} {cmd}',
    );
    expect(() => findPreset('nope')).toThrow(UsageError);
  });
});
