import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { koffi, lastErrno, libc } from './libc.js';

describe('koffi()', () => {
  it("is the native module koffi's own entry loads, not a second copy or koffi's wrapper object", () => {
    const entry = createRequire(import.meta.url)('koffi') as { default: unknown; version: string };
    expect(koffi()).toBe(entry.default);
    expect(koffi().version).toBe(entry.version);
  });

  it('calls into the C library', () => {
    const getpid = libc().func('int getpid()') as unknown as () => number;
    expect(getpid()).toBe(process.pid);
    expect(typeof lastErrno()).toBe('number');
  });
});
