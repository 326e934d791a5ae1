import { describe, expect, it } from 'vitest';
import { exitStatusOf } from '../errors.js';
import { parseMkjailArgs } from './mkjail-config.js';

describe('parseMkjailArgs', () => {
  it('takes -f, repeated -b and one directory, made absolute', () => {
    expect(parseMkjailArgs(['-f', '-b', 'ls', '-b/usr/bin/env', 'jails/a'], '/srv')).toEqual({
      dir: '/srv/jails/a',
      force: true,
      binaries: ['ls', '/usr/bin/env'],
    });
    expect(parseMkjailArgs(['/j'])).toEqual({ dir: '/j', force: false, binaries: [] });
  });

  it('refuses a missing or extra directory and unknown options, with exit status 2', () => {
    for (const argv of [[], ['/a', '/b'], ['-x', '/a'], ['-b']]) {
      let status = 0;
      try {
        parseMkjailArgs(argv);
      } catch (e) {
        status = exitStatusOf(e);
      }
      expect(status, argv.join(' ')).toBe(2);
    }
  });
});
