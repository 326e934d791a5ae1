import { describe, expect, it } from 'vitest';
import { BadHostnameError } from '../errors.js';
import { checkHostname } from './hostname.js';

describe('checkHostname', () => {
  it('accepts RFC 1123 names', () => {
    for (const ok of ['a', 'ahost', 'web-1.example.org', '9lives', 'A0', 'x'.repeat(63)]) {
      expect(checkHostname(ok)).toBe(ok);
    }
  });

  it('refuses bad labels', () => {
    for (const bad of ['', '-a', 'a-', 'a..b', '.a', 'a.', 'a_b', 'a b', 'é', `${'x'.repeat(64)}`]) {
      expect(() => checkHostname(bad), bad).toThrow(BadHostnameError);
    }
  });

  it('refuses names longer than the kernel or RFC 1123 allow', () => {
    const long = Array.from({ length: 13 }, () => 'abcd').join('.');
    expect(long.length).toBe(64);
    expect(checkHostname(long)).toBe(long);
    expect(() => checkHostname(`${long}a`)).toThrow(/64 characters/);
    expect(() => checkHostname('a.'.repeat(128).slice(0, 256))).toThrow(/255/);
  });
});
