import { describe, expect, it } from 'vitest';
import { JailSetupError } from '../errors.js';
import { binfmtRegistration } from './binfmt.js';

describe('binfmtRegistration', () => {
  it('escapes every byte, names fd 3 as the interpreter, flags POF and never C', () => {
    const line = binfmtRegistration('loader', {
      offset: 0,
      magic: Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 9),
      mask: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff),
    });
    expect(line).toBe(
      ':loader:M:0:\\x7f\\x45\\x4c\\x46\\x00\\x00\\x00\\x09:\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\xff:/proc/self/fd/3:POF',
    );
    expect(binfmtRegistration('x', { offset: 4, magic: Uint8Array.of(0x3a) })).toBe(
      ':x:M:4:\\x3a::/proc/self/fd/3:POF',
    );
  });

  it('refuses names binfmt_misc would misread, magic beyond 128 bytes, masks of another length', () => {
    const rule = { offset: 0, magic: Uint8Array.of(1) };
    for (const name of ['', 'a/b', 'a:b', '.', 'x'.repeat(61)])
      expect(() => binfmtRegistration(name, rule), name).toThrow(JailSetupError);
    expect(() => binfmtRegistration('x', { offset: 128, magic: Uint8Array.of(1) })).toThrow(JailSetupError);
    expect(() => binfmtRegistration('x', { offset: 0, magic: new Uint8Array(0) })).toThrow(JailSetupError);
    expect(() =>
      binfmtRegistration('x', { offset: 0, magic: Uint8Array.of(1, 2), mask: Uint8Array.of(1) }),
    ).toThrow(JailSetupError);
  });
});
