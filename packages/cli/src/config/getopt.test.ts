import { describe, expect, it } from 'vitest';
import { MissingOptionArgumentError, UnknownOptionError } from '../errors.js';
import { getopt } from './getopt.js';

const spec = { short: 'b4:n:', long: ['allow-ipc', 'name='] };

describe('getopt', () => {
  it('stops at the first operand, leaving the command its own options', () => {
    const r = getopt(['-b', '/j', 'h', '127.0.0.1', 'ls', '-l'], spec);
    expect(r.options).toEqual([{ name: 'b' }]);
    expect(r.operands).toEqual(['/j', 'h', '127.0.0.1', 'ls', '-l']);
  });

  it('takes grouped, attached and separate arguments', () => {
    const r = getopt(
      ['-b4127.0.0.2', '-4', '127.0.0.3', '--name=x', '--name', 'y', '--allow-ipc', '--', '-b'],
      spec,
    );
    expect(r.options).toEqual([
      { name: 'b' },
      { name: '4', value: '127.0.0.2' },
      { name: '4', value: '127.0.0.3' },
      { name: 'name', value: 'x' },
      { name: 'name', value: 'y' },
      { name: 'allow-ipc' },
    ]);
    expect(r.operands).toEqual(['-b']);
  });

  it('refuses unknown options and missing arguments', () => {
    expect(() => getopt(['-x'], spec)).toThrow(UnknownOptionError);
    expect(() => getopt(['--allow-everything'], spec)).toThrow('unknown option: --allow-everything');
    expect(() => getopt(['--allow-ipc=1'], spec)).toThrow(UnknownOptionError);
    expect(() => getopt(['-4'], spec)).toThrow(MissingOptionArgumentError);
    expect(() => getopt(['--name'], spec)).toThrow(MissingOptionArgumentError);
  });
});
