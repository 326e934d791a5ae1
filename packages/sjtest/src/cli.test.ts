import { describe, expect, it } from 'vitest';
import { cases } from './cases.js';
import { main } from './cli.js';

const run = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    isTty: false,
  });
  return { code, out, err };
};

describe('sjtest(1) command line', () => {
  it('lists the cases, filtered', async () => {
    const all = await run(['--list']);
    expect(all.code).toBe(0);
    expect(all.out.trim().split('\n')).toHaveLength(cases.length);
    const some = await run(['--list', '--only', 'hostname', '--skip', 'i386']);
    expect(some.out).toContain('host.uname');
    expect(some.out).not.toContain('i386.');
  });

  it('refuses bad usage with 64', async () => {
    expect((await run(['--bogus'])).code).toBe(64);
    expect((await run(['--preset', 'nope'])).code).toBe(64);
    expect((await run(['--preset', 'none', '--run', '{cmd}'])).code).toBe(64);
    expect((await run(['--help'])).out).toContain('usage: sjtest');
  });
});
