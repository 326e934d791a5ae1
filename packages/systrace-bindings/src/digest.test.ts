import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './digest.js';

describe('sha256Hex', () => {
  it('is node:crypto’s SHA-256, for strings (UTF-8) and bytes of many sizes', () => {
    const inputs: (string | Uint8Array)[] = ['', 'abc', 'jail\0äöü€', 'x'.repeat(100_000)];
    for (let n = 0; n < 300; n += 37)
      inputs.push(Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 255));
    for (const input of inputs) {
      const want = createHash('sha256').update(input).digest('hex');
      expect(sha256Hex(input)).toBe(want);
    }
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
