import { describe, expect, it } from 'vitest';
import { signatures } from './signatures.js';
import { i386 } from './tables/i386.js';
import { x86_64 } from './tables/x86_64.js';

const entry = (table: typeof x86_64, name: string) => table.entries.find((e) => e.name === name);

describe('signatures', () => {
  it('cover every syscall of either table, and nothing else', () => {
    const names = new Set([...x86_64.entries, ...i386.entries].map((e) => e.name));
    const missing = [...names].filter((n) => !signatures[n]);
    const stale = Object.keys(signatures).filter((n) => !names.has(n));
    expect(missing).toEqual([]);
    expect(stale).toEqual([]);
  });

  it('give i386 overrides only to calls i386 has', () => {
    const i386Names = new Set(i386.entries.map((e) => e.name));
    for (const [name, sig] of Object.entries(signatures))
      if (sig.i386) expect(i386Names, name).toContain(name);
  });

  it('follow the i386 calling conventions where they differ', () => {
    expect(entry(x86_64, 'clone')?.args).toEqual(['uint', 'ptr', 'ptr', 'ptr', 'long']); // flags, stack, parent_tid, child_tid, tls
    expect(entry(i386, 'clone')?.args).toEqual(['uint', 'ptr', 'ptr', 'ptr', 'ptr']); // flags, stack, parent_tid, tls, child_tid
    expect(entry(i386, 'mmap')?.args).toEqual(['ptr']); // old_mmap(struct mmap_arg_struct *)
    expect(entry(i386, 'mmap2')?.args).toHaveLength(6);
    expect(entry(i386, 'pread64')?.args).toEqual(['fd', 'ptr', 'uint', 'uint', 'uint']);
    expect(entry(x86_64, 'pread64')?.args).toEqual(['fd', 'ptr', 'long', 'long']);
    expect(entry(i386, 'socketcall')?.args).toEqual(['int', 'ptr']);
  });

  it('give the arguments policies test the right kinds', () => {
    for (const t of [x86_64, i386]) {
      expect(entry(t, 'socket')?.args).toEqual(['int', 'int', 'int']);
      expect(entry(t, 'ioctl')?.args.slice(0, 2)).toEqual(['fd', 'uint']);
      expect(entry(t, 'mknodat')?.args.slice(0, 3)).toEqual(['fd', 'path', 'uint']);
      expect(entry(t, 'unshare')?.args).toEqual(['uint']);
      expect(entry(t, 'prlimit64')?.args).toEqual(['pid', 'uint', 'ptr', 'ptr']);
    }
  });

  it('derive the file and desc classes from path and fd arguments', () => {
    expect(entry(x86_64, 'openat')?.classes).toEqual(['file', 'desc']);
    expect(entry(x86_64, 'connect')?.classes).toEqual(['desc', 'network']);
    expect(entry(x86_64, 'getuid')?.classes).toEqual(['creds']);
    for (const e of x86_64.entries) {
      expect(e.classes?.includes('file'), e.name).toBe(e.args.includes('path'));
      expect(e.classes?.includes('desc'), e.name).toBe(e.args.includes('fd'));
    }
  });
});
