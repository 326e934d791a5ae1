import { describe, expect, it } from 'vitest';
import { argNames } from './arg-names.js';
import { signatures } from './signatures.js';
import { i386 } from './tables/i386.js';
import { x86_64 } from './tables/x86_64.js';

describe('argument names (src/arg-names.ts, from the kernel prototypes)', () => {
  it('name every argument of every call of both tables, once each, as C identifiers', () => {
    for (const table of [x86_64, i386]) {
      for (const entry of table.entries) {
        const where = `${table.arch.name} ${entry.name}`;
        expect(entry.argNames?.length, where).toBe(entry.args.length);
        expect(new Set(entry.argNames).size, where).toBe(entry.args.length);
        for (const name of entry.argNames ?? []) expect(name, where).toMatch(/^[a-z_][a-z0-9_]*$/);
      }
    }
  });

  it('cover every signature, with i386 names exactly where i386 arguments differ', () => {
    expect(Object.keys(argNames)).toEqual(Object.keys(signatures));
    for (const [name, sig] of Object.entries(signatures)) {
      expect(argNames[name].args.length, name).toBe(sig.args.length);
      expect(argNames[name].i386?.length, name).toBe(sig.i386?.length);
    }
  });

  it('are the kernel parameter names of known calls, per ABI', () => {
    const names = (table: typeof x86_64, call: string) =>
      table.entries.find((e) => e.name === call)?.argNames;
    expect(names(x86_64, 'mkdirat')).toEqual(['dfd', 'pathname', 'mode']);
    expect(names(x86_64, 'socket')).toEqual(['family', 'type', 'protocol']);
    expect(names(x86_64, 'clone')).toEqual(['clone_flags', 'newsp', 'parent_tidptr', 'child_tidptr', 'tls']);
    expect(names(i386, 'clone')).toEqual(['clone_flags', 'newsp', 'parent_tidptr', 'tls', 'child_tidptr']);
    expect(names(i386, 'pread64')).toEqual(['fd', 'buf', 'count', 'pos_low', 'pos_high']);
    expect(names(i386, 'setuid32')).toEqual(['uid']);
  });
});
