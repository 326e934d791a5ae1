/**
 * A bad command line: one line on stderr and the synopsis, exit status 2; a path the host refuses: one
 * line, exit status 1. Nothing started either way (no cgroup named after the jail command's pid, no
 * registry entry).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageText } from '../config/usage.js';
import { cgroupsOf, registryEntries } from './host-state.js';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { startJailCommand } from './run-tool.js';

let fx: JailFixture;
let file: string;
beforeAll(() => {
  fx = makeJailFixture('badinput');
  file = join(fx.base, 'a-file');
  writeFileSync(file, 'not a directory\n');
});
afterAll(() => fx?.cleanup());

describe('bad input to jail', () => {
  const cases: [string, () => string[], RegExp, number?][] = [
    ['no arguments', () => [], /^jail: missing jail path$/],
    [
      'missing path',
      () => [join(fx.base, 'none'), 'h.example', '127.0.0.5', '/bin/sh'],
      /^jail: jail path does not exist: /,
      1,
    ],
    [
      'relative path',
      () => ['root', 'h.example', '127.0.0.5', '/bin/sh'],
      /^jail: jail path must be absolute: root$/,
    ],
    [
      'a file instead of a directory',
      () => [file, 'h.example', '127.0.0.5', '/bin/sh'],
      /^jail: jail path is not a directory: /,
      1,
    ],
    [
      'a bad hostname',
      () => [fx.root, 'bad_host!', '127.0.0.5', '/bin/sh'],
      /^jail: invalid hostname "bad_host!"/,
    ],
    [
      'a malformed IP',
      () => [fx.root, 'h.example', '127.0.0.300', '/bin/sh'],
      /^jail: invalid IP address: 127\.0\.0\.300$/,
    ],
    ['no command', () => [fx.root, 'h.example', '127.0.0.5'], /^jail: no command given$/],
    [
      'an unknown option',
      () => ['--bogus', fx.root, 'h.example', '127.0.0.5', '/bin/sh'],
      /^jail: unknown option: --bogus$/,
    ],
  ];
  it.each(cases)('%s: its message, its status, nothing started', async (_name, args, message, status = 2) => {
    const jail = startJailCommand(fx, args(), { timeoutMs: 15_000 });
    const r = await jail.done;
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
    const [first, ...rest] = r.stderr.split('\n');
    expect(first).toMatch(message);
    expect(rest.join('\n')).toBe(status === 2 ? usageText('jail') : '');
    expect(cgroupsOf(jail.child.pid!)).toEqual([]);
    expect(registryEntries(fx.runDir)).toEqual([]);
  });
});
