/**
 * The structure layouts against their sources: native/freebsd-layouts.h must be what
 * freebsd/layouts.json gives, every recorded layout must be checked by the translator's C (its own
 * struct or, where a call passes the structure through, Linux's), the FBSD_CHECK_* assertions must
 * reject a wrong layout, and the check against a freebsd-src tree (with FREEBSD_SRC=DIR, the tree's
 * own headers compiled by the system compiler) must compute layouts and catch a disagreement — shown
 * here on a small tree written by the test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkFacts,
  compareLayouts,
  LAYOUTS_HEADER,
  layoutsFromSource,
  loadLayouts,
  parseLayoutsHeader,
  renderLayoutsHeader,
} from '../scripts/layouts.mjs';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const layouts = loadLayouts();
const byName = new Map(layouts.map((l: { name: string }) => [l.name, l]));
const cc = process.env.CC ?? 'cc';
const scratch = mkdtempSync(join(tmpdir(), 'layouts-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Layouts recorded but not used by the translator: msghdr (sendmsg/recvmsg are not translated),
 * utsname (FreeBSD's uname(3) is libc's, over __sysctl).
 */
const NOT_USED = new Set(['msghdr', 'utsname']);

describe('the recorded layouts (freebsd/layouts.json)', () => {
  it('name their header, repository and commit, and are consistent (no overlap, no uncovered gap)', () => {
    expect(checkFacts(layouts)).toEqual([]);
    for (const l of layouts) expect(l.commit, l.name).toMatch(/^[0-9a-f]{40}$/);
  });

  it('hold what the translator relies on', () => {
    expect(byName.get('stat')?.size).toBe(224);
    expect(byName.get('mcontext')?.size).toBe(800);
    expect(byName.get('siginfo')?.size).toBe(80);
    expect(byName.get('kevent')?.size).toBe(64);
    expect(byName.get('sigframe')?.fields).toContainEqual(['sf_uc', 16, 880]);
    expect(byName.get('dirent')?.fields).toContainEqual(['d_name', 24, 256]);
    expect(byName.get('sockaddr_un')?.fields).toContainEqual(['sun_path', 2, 104]);
  });

  it('catch a field left out or overlapping', () => {
    const stat = structuredClone(byName.get('stat'));
    stat.fields = stat.fields.filter(([f]: [string]) => f !== 'st_size');
    expect(checkFacts([stat])).toEqual(['stat.st_blocks: 8 bytes before it that no field covers']);
    const flock = structuredClone(byName.get('flock'));
    flock.fields[1][1] = 4;
    expect(checkFacts([flock])[0]).toMatch(/l_len: at 4, inside the field before/);
  });
});

describe(`the generated header (${LAYOUTS_HEADER})`, () => {
  const text = readFileSync(join(pkg, LAYOUTS_HEADER), 'utf8');

  it('is what the facts give (pnpm gen)', () => {
    expect(text).toBe(renderLayoutsHeader(layouts));
  });

  it('defines every size, offset and field size of the facts', () => {
    const defines = parseLayoutsHeader(text);
    for (const l of layouts) {
      expect(defines.get(`FBSD_${l.name.toUpperCase()}_SIZE`), l.name).toBe(l.size);
      for (const [f, offset, size] of l.fields) {
        const k = `FBSD_${l.name.toUpperCase()}_${f.toUpperCase()}`;
        expect([defines.get(`${k}_OFFSET`), defines.get(`${k}_SIZE`)], k).toEqual([offset, size]);
      }
    }
  });

  it('is used by the translator for every recorded layout but the named ones', () => {
    const native = readdirSync(join(pkg, 'native'))
      .filter((f) => f.endsWith('.c'))
      .map((f) => readFileSync(join(pkg, 'native', f), 'utf8'))
      .join('\n');
    expect(native).toContain('#include "freebsd-layouts.h"');
    for (const l of layouts) {
      if (NOT_USED.has(l.name)) expect(native, l.name).not.toContain(`FBSD_CHECK_${l.name}(`);
      else expect(native, l.name).toMatch(new RegExp(`^FBSD_CHECK_${l.name}\\(`, 'm'));
    }
  });

  const compile = (body: string) => {
    const file = join(scratch, 'check.c');
    writeFileSync(file, `#include <stdint.h>\n#include "${join(pkg, LAYOUTS_HEADER)}"\n${body}\n`);
    try {
      execFileSync(cc, ['-fsyntax-only', '-std=gnu11', file], { stdio: 'pipe', encoding: 'utf8' });
      return '';
    } catch (e) {
      return String((e as { stderr?: string }).stderr);
    }
  };

  it('makes FBSD_CHECK_* accept FreeBSD’s layout and reject another', () => {
    const ok =
      'struct k { uint64_t ident; int16_t filter; uint16_t flags; uint32_t fflags; int64_t data; void *udata; uint64_t ext[4]; };\nFBSD_CHECK_kevent(struct k);';
    expect(compile(ok)).toBe('');
    const short =
      'struct k { uint64_t ident; int16_t filter; uint16_t flags; uint32_t fflags; int64_t data; void *udata; };\nFBSD_CHECK_kevent(struct k);';
    expect(compile(short)).toMatch(
      /static assertion failed: "struct k: the size of FreeBSD[\s\S]*has no member named .ext/,
    );
    const moved =
      'struct k { uint64_t ident; int32_t filter; uint16_t flags; uint16_t fflags; int64_t data; void *udata; uint64_t ext[4]; };\nFBSD_CHECK_kevent(struct k);';
    expect(compile(moved)).toMatch(/static assertion failed: "struct k.filter: FreeBSD/);
    expect(compile(moved)).not.toMatch(/struct k.ident/);
  });
});

describe('the check against a freebsd-src tree', () => {
  // A tree of the shape the check reads (sys/sys, sys/amd64/include, sys/x86/include), its struct
  // defined through <machine/...> as FreeBSD's headers are.
  const tree = join(scratch, 'src');
  for (const d of ['sys/sys', 'sys/amd64/include', 'sys/x86/include'])
    mkdirSync(join(tree, d), { recursive: true });
  writeFileSync(join(tree, 'sys/sys/types.h'), '#include <machine/_types.h>\n');
  writeFileSync(join(tree, 'sys/amd64/include/_types.h'), '#include <x86/_types.h>\n');
  writeFileSync(join(tree, 'sys/x86/include/_types.h'), 'typedef long __time_t;\n');
  writeFileSync(join(tree, 'sys/sys/timespec.h'), 'struct timespec { __time_t tv_sec; long tv_nsec; };\n');
  writeFileSync(join(tree, 'sys/sys/_timeval.h'), 'struct timeval { int tv_sec; long tv_usec; };\n');
  writeFileSync(
    join(tree, 'sys/sys/event.h'),
    'struct kevent_freebsd11 { unsigned long ident; short filter; unsigned short flags; unsigned fflags; long data; void *udata; };\n',
  );
  const two = layouts.filter((l: { name: string }) => l.name === 'timespec' || l.name === 'timeval');

  it('computes the layouts from the tree’s headers with the system compiler', () => {
    const computed = layoutsFromSource(tree, two, cc);
    expect(computed.get('timespec')).toEqual({
      size: 16,
      fields: new Map([
        ['tv_sec', [0, 8]],
        ['tv_nsec', [8, 8]],
      ]),
    });
    expect(compareLayouts(two.slice(0, 1), computed)).toEqual([]);
  });

  it('finds a structure under the name an older FreeBSD gave it', () => {
    const kevent11 = byName.get('freebsd11_kevent');
    expect(kevent11.formerType).toBe('struct kevent_freebsd11');
    const computed = layoutsFromSource(tree, [kevent11], cc);
    expect(computed.get('freebsd11_kevent')?.type).toBe('struct kevent_freebsd11');
    expect(compareLayouts([kevent11], computed)).toEqual([]);
  });

  it('reports a layout that differs and one the headers do not have', () => {
    const computed = layoutsFromSource(tree, two, cc);
    expect(compareLayouts(two, computed)).toEqual([
      'timeval.tv_sec: at 0 of 4 bytes, the facts say at 0 of 8',
    ]);
    const stat = byName.get('stat');
    const missing = layoutsFromSource(tree, [stat], cc);
    expect(compareLayouts([stat], missing)[0]).toMatch(
      /^stat \(struct stat\): the headers do not compile with it: .*sys\/stat\.h/,
    );
  });
});

const real = process.env.FREEBSD_SRC;
describe(`the recorded layouts against the freebsd-src tree at ${real ?? '(FREEBSD_SRC not set)'}`, () => {
  it.skipIf(!real)('are what the tree’s headers give, compiled for amd64', () => {
    expect(compareLayouts(layouts, layoutsFromSource(real as string, layouts, cc))).toEqual([]);
  });
});
