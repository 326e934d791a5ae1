/**
 * A bad command line: one line on stderr, exit status 2, nothing started (no cgroup named after the jail
 * command's pid, no registry entry). 8.8.8.8 is only parsed, never contacted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupsOf, registryEntries } from './host-state.js';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { startJailCommand } from './run-jail.js';

let fx: JailFixture;
let file: string;
beforeAll(() => {
  fx = makeJailFixture('badinput');
  file = join(fx.base, 'a-file');
  writeFileSync(file, 'not a directory\n');
});
afterAll(() => fx?.cleanup());

describe('bad input to jail', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['no arguments', () => [], /^jail: missing jail path$/],
    [
      'missing path',
      () => [join(fx.base, 'none'), 'h.example', '127.0.0.5', '/bin/sh'],
      /^jail: jail path does not exist: /,
    ],
    [
      'relative path',
      () => ['root', 'h.example', '127.0.0.5', '/bin/sh'],
      /^jail: jail path must be absolute: root$/,
    ],
    [
      'a file instead of a directory',
      () => [file, 'h.example', '127.0.0.5', '/bin/sh'],
      /^jail: .*(not a directory|directory)/,
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
  it.each(cases)('%s: one line on stderr, exit 2, nothing started', async (_name, args, message) => {
    const jail = startJailCommand(fx, args(), { timeoutMs: 15_000 });
    const r = await jail.done;
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(cgroupsOf(jail.child.pid!)).toEqual([]);
    expect(registryEntries(fx.runDir)).toEqual([]);
  });
});
