/**
 * The FreeBSD numbers against FreeBSD's own sources: src/tables/amd64.ts must be what
 * scripts/generate-tables.mjs makes of sys/kern/syscalls.master, and errno, signals, open/at/mmap
 * flags, madvise advice, clock ids, rlimit resources, socket constants and sysctl MIB numbers must be
 * what FreeBSD's headers say. The check reads the package's
 * freebsd/ (the facts of those files at SOURCE.commit), or a full freebsd-src tree given by
 * $FREEBSD_SRC. The parser is also tested on syscalls.master's multi-line layout written here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ARG_OVERRIDES,
  argKind,
  compareNumbers,
  defaultSource,
  isNative,
  LAST_SYSCALL,
  parseDefines,
  parsePrototype,
  parseSyscallsMaster,
  SOCKET_CONSTANTS,
  SOURCE,
  SOURCE_FILES,
  syscallRows,
  UNCHECKED,
} from '../scripts/generate-tables.mjs';
import { amd64 } from './tables/amd64.js';
import { amd64Classes } from './tables/amd64-classes.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

// syscalls.master's own layout: multi-line prototypes, SAL annotations, ranges, OBSOL and NODEF
// lines, a space instead of a tab, a trailing comma, and a malformed line past the last call.
const MASTER = `; a comment
#include <sys/param.h>
%%ABI_HEADERS%%

3\tAUE_READ\tSTD|CAPENABLED {
\t\tssize_t read(
\t\t    int fd,
\t\t    _Out_writes_bytes_(nbyte) void *buf,
\t\t    size_t nbyte
\t\t);
\t}
5\tAUE_OPEN_RWTC\tSTD {
\t\tint open(
\t\t    _In_z_ const char *path,
\t\t    int flags,
\t\t    mode_t mode
\t\t);
\t}
8\tAUE_CREAT\tCOMPAT {
\t\tint creat(
\t\t    _In_z_ const char *path,
\t\t    int mode
\t\t);
\t}
11\tAUE_NULL\tOBSOL\texecv
151-153\tAUE_NULL\tRESERVED
210\tAUE_NULL\tNODEF|NOTSTATIC\tlkmnosys lkmnosys nosys_args int
554\tAUE_GETDIRENTRIES STD|CAPENABLED {
\t\tssize_t getdirentries(
\t\t    int fd,
\t\t    _Out_writes_bytes_(count) char *buf,
\t\t    size_t count,
\t\t    _Out_opt_ off_t *basep
\t\t);
\t}
566\tAUE_NULL\tSTD {
\t\tint fhlinkat(
\t\t    _In_ struct fhandle *fhp,
\t\t    int tofd,
\t\t    _In_z_ const char *to,
\t\t);
\t}
591 AUE_NULL_STD {
\t\tint dbq_step(
\t\t\t_In_ void *sqlite3_stmt
\t\t);
\t}
`;

describe('the syscalls.master parser', () => {
  const entries = parseSyscallsMaster(MASTER);

  it('reads every numbered slot, ranges one by one, and skips comments and directives', () => {
    expect(entries.map((e) => e.nr)).toEqual([3, 5, 8, 11, 151, 152, 153, 210, 554, 566, 591]);
    expect(entries.find((e) => e.nr === 11)?.comment).toBe('execv');
    expect(entries.find((e) => e.nr === 591)?.type).toEqual([]);
  });

  it('keeps the native ABI’s calls only', () => {
    expect(entries.filter(isNative).map((e) => e.nr)).toEqual([3, 5, 554, 566]);
  });

  it('reads prototypes through SAL annotations, trailing commas and (void)', () => {
    expect(parsePrototype(entries[0].proto)).toEqual({
      name: 'read',
      params: [
        { type: 'int', name: 'fd' },
        { type: 'void *', name: 'buf' },
        { type: 'size_t', name: 'nbyte' },
      ],
    });
    expect(parsePrototype(entries.find((e) => e.nr === 566)?.proto).params).toHaveLength(3);
    expect(parsePrototype('int fork(void);')).toEqual({ name: 'fork', params: [] });
    expect(parsePrototype('int syscall(int number, ...);').params).toEqual([{ type: 'int', name: 'number' }]);
  });

  it('gives argument kinds from the C types, and throws on a type it does not know', () => {
    const rows = syscallRows(MASTER, {});
    expect(rows).toEqual([
      { nr: 3, name: 'read', args: ['fd', 'ptr', 'long'], classes: ['desc'] },
      { nr: 5, name: 'open', args: ['path', 'int', 'uint'], classes: ['file'] },
      { nr: 554, name: 'getdirentries', args: ['fd', 'ptr', 'long', 'ptr'], classes: ['desc'] },
      { nr: 566, name: 'fhlinkat', args: ['ptr', 'fd', 'path'], classes: ['file', 'desc'] },
    ]);
    expect(argKind('x', 0, { type: 'const char *', name: 'attrname' })).toBe('str');
    expect(argKind('x', 0, { type: 'char *', name: 'buf' })).toBe('ptr');
    expect(argKind('x', 0, { type: 'pid_t', name: 'p' })).toBe('pid');
    expect(argKind('symlink', 0, { type: 'const char *', name: 'path' })).toBe(ARG_OVERRIDES['symlink:0']);
    expect(() => argKind('x', 0, { type: 'float', name: 'f' })).toThrow(/no kind for this type/);
  });
});

describe('the header parser', () => {
  it('reads numbers, hex, negatives and aliases, and leaves out what is not a number', () => {
    const d = parseDefines(
      '#define\tEAGAIN\t\t35\t\t/* x */\n#define\tEWOULDBLOCK\tEAGAIN\n#define\tO_DIRECT\t0x00010000\n#define\tERESTART\t(-1)\n#define\tSIG_DFL\t((__sighandler_t *)0)\n# define SOCK_RAW 3\n',
    );
    expect(Object.fromEntries(d)).toEqual({
      EAGAIN: 35,
      EWOULDBLOCK: 35,
      O_DIRECT: 0x10000,
      ERESTART: -1,
      SOCK_RAW: 3,
    });
    expect(
      compareNumbers(
        'h',
        [
          ['EAGAIN', 11],
          ['EFOO', 1],
          ['EWOULDBLOCK', 35],
        ],
        d,
      ),
    ).toEqual(['h: EAGAIN is 35, the package says 11', 'h: EFOO is not defined there']);
  });
});

describe('the generated table', () => {
  it('says what it was generated from', () => {
    const text = readFileSync(join(pkg, 'src', 'tables', 'amd64.ts'), 'utf8');
    expect(text).toContain('Generated by scripts/generate-tables.mjs');
    expect(text).toContain(SOURCE.commit);
    expect(amd64.entries.at(-1)?.nr).toBe(LAST_SYSCALL);
  });

  it('has classes only for calls of the table', () => {
    const names = new Set(amd64.entries.map((e) => e.name));
    for (const name of Object.keys(amd64Classes)) expect(names.has(name), name).toBe(true);
  });

  it('leaves out of the header check only the named constants', () => {
    expect(Object.keys(UNCHECKED).every((n) => SOCKET_CONSTANTS.includes(n))).toBe(true);
  });
});

const source = defaultSource();

describe(`the tables against the freebsd-src files at ${source}`, () => {
  it('has them', () => {
    for (const f of Object.values(SOURCE_FILES)) expect(existsSync(join(source, f)), f).toBe(true);
  });
  it('src/tables/amd64.ts is what syscalls.master gives; errno, signals and flags are the headers’ (generate-tables.mjs --check)', () => {
    const r = (() => {
      try {
        execFileSync(
          process.execPath,
          [join(pkg, 'scripts', 'generate-tables.mjs'), '--check', '--source', source],
          {
            stdio: 'pipe',
            encoding: 'utf8',
          },
        );
        return '';
      } catch (e) {
        return String((e as { stderr?: string }).stderr ?? e);
      }
    })();
    expect(r).toBe('');
  });
});
