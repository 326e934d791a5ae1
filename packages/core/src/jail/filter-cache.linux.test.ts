import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../arch.js';
import type { Emulation } from '../emulation.js';
import { encodeFilter } from '../filter/assemble.js';
import { compileFilter } from '../filter/compile.js';
import { allow, deny, notify, type Policy } from '../policy.js';
import { defaultPrisonFlags, type Prison } from '../prison.js';
import { runModuleScript } from '../testing/module-script.js';
import { filterFor, jailFilters, pruneFilterCache } from './filter-cache.js';

const x86_64: Architecture = { name: 'x86_64', auditArch: 0xc000003e, bits: 64, endian: 'little' };

/** A toy emulation whose policy depends on the prison's raw-socket flag; each test gets its own copy. */
function toy(name: string): Emulation {
  return {
    name,
    description: 'filter cache tests',
    tables: [
      {
        arch: x86_64,
        entries: [
          { name: 'read', nr: 0, args: ['fd', 'ptr', 'long'] },
          { name: 'socket', nr: 41, args: ['int', 'int', 'int'] },
          { name: 'reboot', nr: 169, args: ['int', 'int', 'uint', 'ptr'] },
        ],
      },
    ],
    refusedArchitectures: [],
    errno: { EPERM: 1, ENOSYS: 38 },
    handlers: { module: 'file:///nonexistent/toy-handlers.js', names: ['reboot'] },
    policy: (prison): Policy => ({
      name: name,
      defaultDecision: allow,
      unknownDecision: deny('ENOSYS'),
      rules: [
        {
          syscall: 'socket',
          when: [{ arg: 1, op: 'eq', value: 3n }],
          decision: prison.flags.allowRawSockets ? allow : deny('EPERM'),
        },
        { syscall: 'reboot', decision: notify('reboot') },
      ],
    }),
    detect: () => true,
  };
}

const prison = (allowRawSockets = false): Prison => ({
  path: '/nonexistent',
  hostname: 'h',
  ipv4: [],
  ipv6: [],
  flags: { ...defaultPrisonFlags, allowRawSockets },
});

const compiled = (e: Emulation, p: Prison) =>
  Buffer.from(encodeFilter(compileFilter(e, e.policy(p), { auditDenials: true }).ops));

const base = mkdtempSync(join(tmpdir(), 'sysjail-filter-cache-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(base, `cache-${++n}`);
const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.filter'));

interface Entry {
  head: Record<string, unknown>;
  program: Buffer;
  table: Buffer;
}
/** A cache file's parts: the header line, the program's bytes, the notify table's JSON. */
function readEntry(file: string): Entry {
  const b = readFileSync(file);
  const eol = b.indexOf(10);
  const head = JSON.parse(b.toString('utf8', 0, eol));
  const end = eol + 1 + (head.program as number);
  return { head, program: b.subarray(eol + 1, end), table: b.subarray(end) };
}
function writeEntry(file: string, e: Entry): void {
  const head = `${JSON.stringify({ ...e.head, program: e.program.length, table: e.table.length })}\n`;
  writeFileSync(file, Buffer.concat([Buffer.from(head), e.program, e.table]));
}

describe('filterFor on disk', () => {
  it('writes the compiled program to a 0700 directory (0600 file, no temporary left) and reads it back', () => {
    const dir = freshDir();
    const e = toy('toy-a');
    const f = filterFor(e, prison(), true, dir);
    expect(Buffer.from(f.program).equals(compiled(e, prison()))).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(statSync(join(dir, files[0] as string)).mode & 0o777).toBe(0o600);

    // What is on disk is what a new process gets (a new emulation object: no memory hit). Proved by
    // changing the stored program (as root may): the changed one comes back.
    const file = join(dir, files[0] as string);
    const stored = readEntry(file);
    expect(stored.program.equals(Buffer.from(f.program))).toBe(true);
    const marked = Buffer.from(f.program);
    marked[marked.length - 1] ^= 0xff;
    writeEntry(file, { ...stored, program: marked });
    const again = filterFor(toy('toy-a'), prison(), true, dir);
    expect(Buffer.from(again.program).equals(marked)).toBe(true);
    expect(again.compiled.notifyTable).toEqual(f.compiled.notifyTable); // bigints of rules included
    expect(again.compiled.notifyByCall).toEqual(f.compiled.notifyByCall);
  });

  it('a bigint the table holds outside argument tests comes back too (the generic walk)', () => {
    const dir = freshDir();
    const f = filterFor(toy('toy-f'), prison(), true, dir);
    const file = join(dir, cacheFiles(dir)[0] as string);
    const stored = readEntry(file);
    const table = JSON.parse(stored.table.toString('utf8'));
    table.notifyTable[0].extra = { $n: '5' };
    writeEntry(file, { ...stored, table: Buffer.from(JSON.stringify(table)) });
    const again = filterFor(toy('toy-f'), prison(), true, dir);
    expect((again.compiled.notifyTable[0] as unknown as { extra: unknown }).extra).toBe(5n);
    expect(again.compiled.notifyTable.slice(1)).toEqual(f.compiled.notifyTable.slice(1));
    expect(
      again.compiled.notifyTable
        .flatMap((e) => e.rule?.when ?? [])
        .some((t) => 'value' in t && t.value === 3n),
    ).toBe(true);
  });

  it('another policy (a prison flag) is another entry', () => {
    const dir = freshDir();
    const e = toy('toy-b');
    const off = filterFor(e, prison(false), true, dir);
    const on = filterFor(e, prison(true), true, dir);
    expect(Buffer.from(off.program).equals(Buffer.from(on.program))).toBe(false);
    expect(Buffer.from(on.program).equals(compiled(e, prison(true)))).toBe(true);
    expect(cacheFiles(dir)).toHaveLength(2);
  });

  it("an emulation's tables are keyed by their text, or by its tablesDigest when it has one", () => {
    const dir = freshDir();
    const e = toy('toy-g');
    filterFor(e, prison(), true, dir);
    // other tables (reboot's number), no digest: another entry, the program of those tables
    const moved = toy('toy-g');
    const table = moved.tables[0] as { entries: { name: string; nr: number }[] };
    (table.entries[2] as { nr: number }).nr = 142;
    const f = filterFor(moved, prison(), true, dir);
    expect(Buffer.from(f.program).equals(compiled(moved, prison()))).toBe(true);
    expect(cacheFiles(dir)).toHaveLength(2);
    // with a digest: its own entry, read back by an equal digest, and another digest is another entry
    const digested = (digest: string): Emulation => ({ ...toy('toy-g'), tablesDigest: digest });
    filterFor(digested('a'.repeat(64)), prison(), true, dir);
    expect(cacheFiles(dir)).toHaveLength(3);
    const before = readdirSync(dir).map((n) => [n, statSync(join(dir, n)).ino]);
    filterFor(digested('a'.repeat(64)), prison(), true, dir);
    expect(readdirSync(dir).map((n) => [n, statSync(join(dir, n)).ino])).toEqual(before);
    filterFor(digested('b'.repeat(64)), prison(), true, dir);
    expect(cacheFiles(dir)).toHaveLength(4);
  });

  it('a damaged or foreign entry is compiled again and replaced', () => {
    const dir = freshDir();
    filterFor(toy('toy-c'), prison(), true, dir);
    const file = join(dir, cacheFiles(dir)[0] as string);
    const good = readFileSync(file);
    const stored = readEntry(file);
    const bad = [
      Buffer.from('{'),
      Buffer.from(''),
      Buffer.from(`${JSON.stringify({ ...stored.head, key: 'other' })}\n`),
      Buffer.concat([
        Buffer.from(`${JSON.stringify({ ...stored.head, key: 'other' })}\n`),
        stored.program,
        stored.table,
      ]),
      good.subarray(0, good.length - 1), // cut short
      Buffer.concat([good, Buffer.from(' ')]), // longer than its header says
      Buffer.concat([good.subarray(0, good.length - 2), Buffer.from('x}')]), // the notify JSON damaged
    ];
    for (const b of bad) {
      writeFileSync(file, b);
      const f = filterFor(toy('toy-c'), prison(), true, dir);
      expect(Buffer.from(f.program).equals(compiled(toy('toy-c'), prison()))).toBe(true);
      expect(readFileSync(file).equals(good)).toBe(true);
    }
    // Owned by another user: not read (and replaced by root's).
    const planted = Buffer.alloc(8);
    writeEntry(file, { ...stored, program: planted });
    chownSync(file, 65534, 65534);
    const f = filterFor(toy('toy-c'), prison(), true, dir);
    expect(Buffer.from(f.program).equals(planted)).toBe(false);
    expect(statSync(file).uid).toBe(0);
  });

  it('a symlink in place of an entry is not followed', () => {
    const dir = freshDir();
    filterFor(toy('toy-d'), prison(), true, dir);
    const name = cacheFiles(dir)[0] as string;
    const file = join(dir, name);
    const target = join(base, `target-${n}.filter`);
    const planted = Buffer.alloc(8);
    writeEntry(target, { ...readEntry(file), program: planted });
    rmSync(file);
    symlinkSync(target, file);
    const f = filterFor(toy('toy-d'), prison(), true, dir);
    expect(Buffer.from(f.program).equals(planted)).toBe(false);
    expect(readEntry(target).program.equals(planted)).toBe(true); // left alone
  });

  it('a directory others can write, or below one, is not used at all', () => {
    const open = freshDir();
    mkdirSync(open, { mode: 0o700 });
    chmodSync(open, 0o777);
    filterFor(toy('toy-e'), prison(), true, open);
    expect(readdirSync(open)).toEqual([]);

    const parent = join(base, `group-writable-${n}`);
    mkdirSync(parent);
    chmodSync(parent, 0o775);
    const below = join(parent, 'cache');
    filterFor(toy('toy-e'), prison(), true, below);
    expect(readdirSync(below)).toEqual([]);

    const foreign = freshDir();
    mkdirSync(foreign, { mode: 0o700 });
    chownSync(foreign, 65534, 65534);
    filterFor(toy('toy-e'), prison(), true, foreign);
    expect(readdirSync(foreign)).toEqual([]);
  });
});

describe('the disk cache is bounded', () => {
  const sizes = (dir: string) => cacheFiles(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  /** Writes toy `name`'s entry; its file name. */
  const write = (dir: string, name: string, limits = { entries: 4, bytes: 1 << 20 }) => {
    const before = new Set(existsSync(dir) ? cacheFiles(dir) : []);
    filterFor(toy(name), prison(), true, dir, limits);
    const added = cacheFiles(dir).filter((f) => !before.has(f));
    return added[0];
  };
  /** Sets each file's mtime (its last use) `hoursAgo` before now. */
  const usedAgo = (dir: string, file: string, hoursAgo: number) => {
    const t = Date.now() / 1000 - hoursAgo * 3600;
    utimesSync(join(dir, file), t, t);
  };

  it('holds at most N entries and M bytes after writing more', () => {
    const dir = freshDir();
    for (let i = 0; i < 9; i++) {
      write(dir, `toy-bound-${i}`);
      expect(cacheFiles(dir).length).toBe(Math.min(i + 1, 4));
    }
    const one = sizes(dir) / 4;
    const bytes = freshDir();
    for (let i = 0; i < 6; i++)
      write(bytes, `toy-bound-${i}`, { entries: 100, bytes: Math.floor(one * 2.5) });
    expect(cacheFiles(bytes)).toHaveLength(2);
    expect(sizes(bytes)).toBeLessThanOrEqual(one * 2.5);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the most recently used: a hit moves an entry forward', () => {
    const dir = freshDir();
    const files = [0, 1, 2, 3].map((i) => write(dir, `toy-lru-${i}`) as string);
    for (const [i, f] of files.entries()) usedAgo(dir, f, 10 - i); // toy-lru-0 the least recently used
    // A hit on toy-lru-0 from another process (a new emulation object): read from disk, moved forward.
    const hit = filterFor(toy('toy-lru-0'), prison(), true, dir, { entries: 4, bytes: 1 << 20 });
    expect(Buffer.from(hit.program).equals(compiled(toy('toy-lru-0'), prison()))).toBe(true);
    expect(Date.now() - statSync(join(dir, files[0] as string)).mtimeMs).toBeLessThan(60_000);
    expect(cacheFiles(dir)).toHaveLength(4); // a hit writes nothing, so prunes nothing
    const added = [write(dir, 'toy-lru-4'), write(dir, 'toy-lru-5')];
    expect(cacheFiles(dir).sort()).toEqual([files[0], files[3], ...added].sort());
  });

  it('an entry removed under a reader is a miss: compiled, correct, written again', () => {
    const dir = freshDir();
    const file = write(dir, 'toy-gone') as string;
    rmSync(join(dir, file)); // another process's prune, between this one's lookup and its open
    const f = filterFor(toy('toy-gone'), prison(), true, dir, { entries: 4, bytes: 1 << 20 });
    expect(Buffer.from(f.program).equals(compiled(toy('toy-gone'), prison()))).toBe(true);
    expect(cacheFiles(dir)).toEqual([file]);
    // Pruning a directory whose entries another pruner removed meanwhile: nothing to do, no error.
    pruneFilterCache(dir, { entries: 0, bytes: 0 });
    pruneFilterCache(dir, { entries: 0, bytes: 0 });
    expect(cacheFiles(dir)).toEqual([]);
  });

  it("removes only root's regular files of its own names: foreign names, links, directories stay", () => {
    const dir = freshDir();
    const first = write(dir, 'toy-foreign-0') as string;
    const hex = (c: string) => c.repeat(64);
    const target = join(base, `prune-target-${n}`);
    writeFileSync(target, 'outside');
    const planted = {
      other: join(dir, 'notes.filter'),
      link: join(dir, `${hex('a')}.filter`),
      linkedDir: join(dir, `${hex('b')}.filter`),
      directory: join(dir, `${hex('c')}.filter`),
      foreign: join(dir, `${hex('d')}.filter`),
      upper: join(dir, `${hex('E')}.filter`),
    };
    writeFileSync(planted.other, 'x');
    symlinkSync(target, planted.link);
    symlinkSync(base, planted.linkedDir);
    mkdirSync(planted.directory);
    writeFileSync(join(planted.directory, 'inside'), 'x');
    writeFileSync(planted.foreign, 'x');
    chownSync(planted.foreign, 65534, 65534);
    writeFileSync(planted.upper, 'x');
    // The cache's own: an entry of the earlier format (pruned like an entry: here the least recently
    // used), a dead writer's temporary, a live one's.
    const former = join(dir, `${hex('1')}.json`);
    const deadTemporary = join(dir, `.${hex('2')}.123.abc.tmp`);
    const liveTemporary = join(dir, `.${hex('3')}.124.def.tmp`);
    for (const f of [former, deadTemporary, liveTemporary]) writeFileSync(f, 'x');
    utimesSync(deadTemporary, Date.now() / 1000 - 3600, Date.now() / 1000 - 3600);
    usedAgo(dir, first, 1);
    usedAgo(dir, `${hex('1')}.json`, 2);

    for (let i = 1; i < 6; i++) write(dir, `toy-foreign-${i}`, { entries: 2, bytes: 1 << 20 });
    const ours = cacheFiles(dir).filter((f) => !Object.values(planted).includes(join(dir, f)));
    expect(ours).toHaveLength(2);
    for (const p of Object.values(planted)) expect(() => statSync(p, { throwIfNoEntry: true })).not.toThrow();
    expect(readFileSync(target, 'utf8')).toBe('outside');
    expect(readdirSync(planted.directory)).toEqual(['inside']);
    expect(readdirSync(base)).toContain(`prune-target-${n}`);
    expect(statSync(liveTemporary).isFile()).toBe(true);
    expect(() => statSync(former)).toThrow();
    expect(() => statSync(deadTemporary)).toThrow();
  });

  it('4 processes reading, writing and pruning one directory at once all get the right programs', async () => {
    const built = (f: string) => fileURLToPath(new URL(`../../dist/${f}`, import.meta.url));
    expect(existsSync(built('jail/filter-cache.js')), 'build core first (tsc -b)').toBe(true);
    const dir = freshDir();
    const startAt = Date.now() + 1500;
    // Each process: 8 policies in turn, each time as a new emulation object (so from disk or compiled),
    // with room for 3: entries are read while others prune them away and write them again.
    const script = `
      import { filterFor } from ${JSON.stringify(built('jail/filter-cache.js'))};
      import { compileFilter } from ${JSON.stringify(built('filter/compile.js'))};
      import { encodeFilter } from ${JSON.stringify(built('filter/assemble.js'))};
      import { defaultPrisonFlags } from ${JSON.stringify(built('prison.js'))};
      import { allow, deny } from ${JSON.stringify(built('policy.js'))};
      const [dir, i, startAt] = process.argv.slice(1);
      const arch = { name: 'x86_64', auditArch: 0xc000003e, bits: 64, endian: 'little' };
      const toy = (name) => ({
        name, description: 'race', refusedArchitectures: [], errno: { EPERM: 1, ENOSYS: 38 },
        tables: [{ arch, entries: [{ name: 'read', nr: 0, args: ['fd', 'ptr', 'long'] }, { name: 'socket', nr: 41, args: ['int', 'int', 'int'] }] }],
        policy: () => ({ name, defaultDecision: allow, unknownDecision: deny('ENOSYS'),
          rules: [{ syscall: 'socket', when: [{ arg: 1, op: 'eq', value: 3n }], decision: deny('EPERM') }] }),
        detect: () => true,
      });
      const prison = { path: '/nonexistent', hostname: 'h', ipv4: [], ipv6: [], flags: defaultPrisonFlags };
      const names = Array.from({ length: 8 }, (_, k) => 'toy-race-' + k);
      const want = new Map(names.map((n) => { const e = toy(n); return [n, Buffer.from(encodeFilter(compileFilter(e, e.policy(prison), { auditDenials: true }).ops))]; }));
      while (Date.now() < Number(startAt)) {}
      let wrong = 0;
      for (let round = 0; round < 40; round++) {
        const n = names[(round + Number(i) * 3) % names.length];
        const f = filterFor(toy(n), prison, true, dir, { entries: 3, bytes: 1 << 20 });
        if (!Buffer.from(f.program).equals(want.get(n))) wrong++;
      }
      process.stdout.write(JSON.stringify({ wrong }));
    `;
    const run = (i: number) => runModuleScript<{ wrong: number }>(script, [dir, String(i), String(startAt)]);
    const results = await Promise.all([0, 1, 2, 3].map(run));
    expect(results).toEqual([0, 1, 2, 3].map(() => ({ wrong: 0 })));
    expect(cacheFiles(dir).length).toBeGreaterThan(0);
    expect(cacheFiles(dir).length).toBeLessThanOrEqual(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('prunes nothing in a directory others can write', () => {
    const open = freshDir();
    mkdirSync(open, { mode: 0o700 });
    chmodSync(open, 0o777);
    const names = ['a', 'b', 'c'].map((c) => join(open, `${c.repeat(64)}.filter`));
    for (const f of names) writeFileSync(f, 'x');
    pruneFilterCache(open, { entries: 0, bytes: 0 });
    expect(readdirSync(open).sort()).toEqual(names.map((f) => f.slice(open.length + 1)).sort());
  });
});

describe('a plain jail’s filters are kept by prison', () => {
  it('an equal prison gets the very filters; another prison, audit choice or cache directory its own', () => {
    const runDir = process.env.SYSJAIL_RUN_DIR;
    process.env.SYSJAIL_RUN_DIR = freshDir();
    try {
      const e = toy('toy-kept');
      const first = jailFilters(e, prison(false), true);
      expect(jailFilters(e, prison(false), true)).toBe(first);
      const raw = jailFilters(e, prison(true), true);
      expect(raw).not.toBe(first);
      expect(Buffer.from(raw.filter.program).equals(compiled(e, prison(true)))).toBe(true);
      expect(jailFilters(e, prison(false), false)).not.toBe(first);
      process.env.SYSJAIL_RUN_DIR = freshDir();
      expect(jailFilters(e, prison(false), true)).not.toBe(first);
    } finally {
      if (runDir === undefined) delete process.env.SYSJAIL_RUN_DIR;
      else process.env.SYSJAIL_RUN_DIR = runDir;
    }
  });

  it('a jail with a listener or a changeable flag is not kept (listeners are code)', () => {
    const e = toy('toy-listened');
    const listener = { syscall: 'read', handle: () => ({ action: 'allow' as const }) };
    const a = jailFilters(e, prison(false), true, [listener]);
    expect(jailFilters(e, prison(false), true, [listener])).not.toBe(a);
    const f = jailFilters(e, prison(false), true, [], ['allowRawSockets']);
    expect(jailFilters(e, prison(false), true, [], ['allowRawSockets'])).not.toBe(f);
  });
});
