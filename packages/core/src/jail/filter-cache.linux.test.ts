import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../arch.js';
import type { Emulation } from '../emulation.js';
import { encodeFilter } from '../filter/assemble.js';
import { compileFilter } from '../filter/compile.js';
import { allow, deny, notify, type Policy } from '../policy.js';
import { defaultPrisonFlags, type Prison } from '../prison.js';
import { filterFor } from './filter-cache.js';

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
