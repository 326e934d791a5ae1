import { describe, expect, it } from 'vitest';
import { parseLoaderStatus } from './loader-status.js';

function page(emulation: string, entries: [number, number, string][], n = entries.length): Buffer {
  const b = Buffer.alloc(4096);
  b.write('SJLOADR1', 0, 'latin1');
  b.write(emulation, 8, 'latin1');
  b.writeBigUInt64LE(BigInt(entries.reduce((s, [, c]) => s + c, 0)), 24);
  b.writeUInt32LE(n, 32);
  entries.forEach(([nr, count, name], i) => {
    b.writeUInt32LE(nr, 40 + i * 32);
    b.writeUInt32LE(count, 44 + i * 32);
    b.write(name, 48 + i * 32, 'latin1');
  });
  return b;
}

describe('a loader status page', () => {
  it('gives the emulation and the five most frequent untranslated calls', () => {
    const s = parseLoaderStatus(
      7,
      page('freebsd', [
        [26, 1, 'ptrace'],
        [307, 9, 'kldnext'],
        [1, 2, ''],
        [4, 1, 'a'],
        [5, 1, 'b'],
        [6, 1, 'c'],
      ]),
    );
    expect(s).toEqual({
      pid: 7,
      emulation: 'freebsd',
      untranslated: 15,
      top: [
        ['kldnext(307)', 9],
        ['1', 2],
        ['ptrace(26)', 1],
        ['a(4)', 1],
        ['b(5)', 1],
      ],
    });
  });

  it('is nothing without its magic, and never reads past the page for a forged count', () => {
    expect(parseLoaderStatus(1, Buffer.alloc(4096))).toEqual({ pid: 1 });
    const forged = parseLoaderStatus(2, page('x\x1b[31m', [[1, 1, 'q\n']], 0xffffffff));
    expect(forged.emulation).toBe('x?[31m');
    expect(forged.top?.length).toBeLessThanOrEqual(5);
    expect(forged.top?.[0]).toEqual(['q?(1)', 1]);
  });
});
