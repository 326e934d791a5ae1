/**
 * jail.change() on a running jail: the host name and the addresses change for later calls of the jail's
 * processes (bind to the wildcard lands on the new address, listen() on a never-bound socket too, the old
 * address is refused); flags and a family's first or last address are refused, naming why.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPrisonFlags, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('change');
  mkdirSync(join(fx.root, 'tmp'), { recursive: true });
});
afterAll(() => fx?.cleanup());

const script = [
  '/bin/probe64 net 127.0.11.1 127.0.11.2 0 0 > /tmp/before.tmp',
  'echo "hostname $(hostname)" >> /tmp/before.tmp',
  'mv /tmp/before.tmp /tmp/before',
  'while [ ! -e /tmp/go ]; do sleep 0.05; done',
  '/bin/probe64 net 127.0.11.2 127.0.11.1 0 0 > /tmp/after',
  'echo "hostname $(hostname)" >> /tmp/after',
].join('; ');

describe('jail.change', () => {
  it('changes the host name and the addresses for later calls; refuses flags', async () => {
    const jail = await startJail({
      prison: {
        path: fx.root,
        hostname: 'before.example',
        ipv4: ['127.0.11.1'],
        ipv6: [],
        flags: defaultPrisonFlags,
      },
      command: ['/bin/sh', '-c', script],
      emulation: linux,
      stdio: [0, 1, 2],
    });
    const tmp = join(fx.root, 'tmp');
    for (let i = 0; i < 400 && !existsSync(join(tmp, 'before')); i++) await sleep(25);
    const before = parseProbe(readFileSync(join(tmp, 'before'), 'utf8'));
    expect(before.get('hostname')).toBe('before.example');
    expect(before.get('bind-any')).toMatch(/^127\.0\.11\.1:[0-9]+$/);
    expect(before.get('listen-unbound')).toMatch(/^127\.0\.11\.1:[0-9]+$/);

    await expect(jail.change({ flags: { allowRawSockets: true } })).rejects.toThrow(
      'flags.allowRawSockets: cannot change while the jail runs',
    );
    await expect(jail.change({ ipv6: ['::1'] })).rejects.toThrow('ipv6: a jail cannot gain or lose');
    await jail.change({ hostname: 'after.example', ipv4: ['127.0.11.2'], flags: { allowIpc: false } });
    expect(jail.prison.hostname).toBe('after.example');
    expect(jail.prison.ipv4).toEqual(['127.0.11.2']);

    writeFileSync(join(tmp, 'go'), '');
    expect((await jail.exited).code).toBe(0);
    const after = parseProbe(readFileSync(join(tmp, 'after'), 'utf8'));
    expect(after.get('hostname')).toBe('after.example');
    expect(after.get('bind-any')).toMatch(/^127\.0\.11\.2:[0-9]+$/);
    expect(after.get('listen-unbound')).toMatch(/^127\.0\.11\.2:[0-9]+$/);
    expect(after.get('bind-jail')).toMatch(/^127\.0\.11\.2:[0-9]+$/);
    // The old address is no longer the jail's.
    expect(after.get('bind-other')).toMatch(/^E[A-Z]+$/);
    expect(before.get('bind-other')).toMatch(/^E[A-Z]+$/);
  });
});
