import { describe, expect, it } from 'vitest';
import { CliError, exitStatusOf } from '../errors.js';
import { parseMkjailArgs } from './mkjail-config.js';

describe('parseMkjailArgs', () => {
  it('takes -f, repeated -b, --from-tar or --debootstrap [--mirror] and one absolute directory', () => {
    expect(parseMkjailArgs(['-f', '-b', 'ls', '-b/usr/bin/env', '/srv/jails/a'])).toEqual({
      dir: '/srv/jails/a',
      force: true,
      binaries: ['ls', '/usr/bin/env'],
    });
    expect(parseMkjailArgs(['/j'])).toEqual({ dir: '/j', force: false, binaries: [] });
    expect(parseMkjailArgs(['--from-tar', 'root.tar.gz', '/j'])).toMatchObject({ fromTar: 'root.tar.gz' });
    expect(parseMkjailArgs(['--debootstrap=bookworm', '--mirror', 'http://m/debian', '/j'])).toMatchObject({
      debootstrap: 'bookworm',
      mirror: 'http://m/debian',
    });
  });

  it('refuses bad command lines with exit status 2', () => {
    const bad: [string[], string][] = [
      [[], 'missing directory'],
      [['/a', '/b'], 'unexpected operand: /b'],
      [['-x', '/a'], 'unknown option: -x'],
      [['-b'], 'option requires an argument: -b'],
      [['jails/a'], 'directory must be absolute: jails/a'],
      [['.'], 'directory must be absolute: .'],
      [['--from-tar', 't', '--debootstrap', 's', '/a'], '--from-tar and --debootstrap are exclusive'],
      [['--mirror', 'http://m', '/a'], '--mirror goes with --debootstrap'],
    ];
    for (const [argv, message] of bad) {
      let error: unknown;
      try {
        parseMkjailArgs(argv);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(CliError);
      expect((error as Error).message).toBe(message);
      expect(exitStatusOf(error), argv.join(' ')).toBe(2);
    }
  });
});
