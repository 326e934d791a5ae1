#!/usr/bin/env node
// Generates src/tables/amd64.ts from FreeBSD's sys/kern/syscalls.master (numbers, names, argument
// types) and the hand-reviewed src/tables/amd64-classes.ts, and native/freebsd-layouts.h from the
// structure layouts in freebsd/layouts.json; checks the package's other FreeBSD numbers (errno,
// signals, open/at/mmap flags, socket constants, sysctl MIB numbers) against FreeBSD's headers.
//
//   node scripts/generate-tables.mjs [--source DIR] [--check]
//
// DIR is a freebsd-src tree holding SOURCE_FILES: default $FREEBSD_SRC, else freebsd/ in this package,
// the facts of those files at SOURCE.commit (numbers, names, C types; see freebsd/README.md).
// --check: exit 1 if src/tables/amd64.ts or native/freebsd-layouts.h differs from what the facts give,
// or a number disagrees. When DIR is a real tree (not freebsd/), the recorded layouts are also
// compared with the layouts the system compiler computes from the tree's headers (scripts/layouts.mjs).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkFacts,
  compareLayouts,
  LAYOUTS_HEADER,
  layoutsFromSource,
  loadLayouts,
  renderLayoutsHeader,
} from './layouts.mjs';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The freebsd-src revision the committed tables were generated from and checked against. */
export const SOURCE = {
  repo: 'freebsd/freebsd-src',
  commit: '01705359e2d1fd8346789e790894a6024c527cc1',
};
/** The FreeBSD files this script reads, relative to the source tree. */
export const SOURCE_FILES = {
  syscalls: 'sys/kern/syscalls.master',
  errno: 'sys/sys/errno.h',
  signal: 'sys/sys/signal.h',
  fcntl: 'sys/sys/fcntl.h',
  mman: 'sys/sys/mman.h',
  socket: 'sys/sys/socket.h',
  clock: 'sys/sys/_clock_id.h',
  resource: 'sys/sys/resource.h',
  sysctl: 'sys/sys/sysctl.h',
};
/**
 * The last FreeBSD call taken (timerfd_settime, FreeBSD 15). The stored copy of syscalls.master
 * continues with numbers that are not FreeBSD's (helloworld, dbquery, dbq_*: a fork's additions).
 */
export const LAST_SYSCALL = 587;

/** The default source tree: $FREEBSD_SRC, else the package's freebsd/ (facts of freebsd-src at SOURCE.commit). */
export function defaultSource() {
  return process.env.FREEBSD_SRC || join(pkg, 'freebsd');
}

// ---- syscalls.master ---------------------------------------------------------------------------

/** The entries of a syscalls.master text: { nr, type: string[], proto?: string, comment?: string }. */
export function parseSyscallsMaster(text) {
  const lines = text.split('\n');
  const entries = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*($|;|#|%%)/.test(line)) continue;
    // number[-number] audit type rest; a malformed line (no type) is kept as an entry of no type.
    const m = /^(\d+)(?:-(\d+))?\s+(\w+)(?:\s+([\w|]+))?\s*(.*)$/.exec(line);
    if (!m) throw new Error(`syscalls.master line ${i + 1}: not an entry: ${line}`);
    const [, from, to, , type = '', rest] = m;
    let proto;
    let comment;
    if (rest.startsWith('{')) {
      const depthOf = (s) => [...s].reduce((d, ch) => d + (ch === '{' ? 1 : ch === '}' ? -1 : 0), 0);
      let body = rest;
      let depth = depthOf(rest);
      while (depth > 0) {
        i++;
        if (i >= lines.length) throw new Error(`syscalls.master: entry ${from} has no closing brace`);
        body += `\n${lines[i]}`;
        depth += depthOf(lines[i]);
      }
      proto = body.slice(body.indexOf('{') + 1, body.lastIndexOf('}')).trim();
    } else comment = rest.trim();
    for (let nr = Number(from); nr <= Number(to ?? from); nr++)
      entries.push({ nr, type: type ? type.split('|') : [], ...(proto ? { proto } : { comment }) });
  }
  return entries;
}

/** Entry types of calls the native ABI has: not COMPAT*, OBSOL, RESERVED, UNIMPL or NODEF slots. */
export function isNative(entry) {
  return entry.type.length > 0 && !entry.type.some((t) => /^(COMPAT\d*|OBSOL|RESERVED|UNIMPL|NODEF)$/.test(t));
}

/** `int open(_In_z_ const char *path, int flags, mode_t mode);` → { name, params: [{ type, name }] }. */
export function parsePrototype(proto) {
  const bare = proto.replace(/\b_[A-Z]\w*(\((?:[^()]|\([^()]*\))*\))?/g, ' ').replace(/\s+/g, ' ');
  const m = /^(.*?)\b(\w+)\s*\((.*)\)\s*;?\s*$/.exec(bare.trim());
  if (!m) throw new Error(`not a prototype: ${proto}`);
  const params = m[3]
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && p !== 'void' && p !== '...')
    .map((p) => {
      const pm = /^(.*?)\s*(\w+)$/.exec(p.replace(/\*\s*/g, '* ').replace(/\s+\*/g, ' *'));
      if (!pm) throw new Error(`${m[2]}: not a parameter: ${p}`);
      return { type: pm[1].replace(/\s+/g, ' ').trim(), name: pm[2] };
    });
  return { name: m[2], params };
}

/** Parameter names that are path names the kernel resolves. */
const PATH_NAMES = new Set([
  'path', 'path1', 'path2', 'path_p', 'path_from', 'path_to', 'fname', 'file', 'link', 'from', 'to',
  'old', 'new',
]);
/** Parameter names of file descriptors (int or u_int). */
const FD_NAMES = new Set([
  'fd', 's', 'fdes', 'filedes', 'fd1', 'fd2', 'oldfd', 'newfd', 'tofd', 'dfd', 'infd', 'outfd', 'sd',
  'mqd',
]);
const LONG_TYPES = new Set([
  'size_t', 'ssize_t', 'off_t', 'long', 'u_long', 'id_t', 'key_t', 'dev_t', 'int64_t', 'uint64_t',
  'semid_t',
]);
const UINT_TYPES = new Set([
  'u_int', 'unsigned', 'unsigned int', 'mode_t', 'uid_t', 'gid_t', '__socklen_t', 'uint32_t',
]);
const INT_TYPES = new Set([
  'int', 'clockid_t', 'cpulevel_t', 'cpuwhich_t', 'cpusetid_t', 'lwpid_t', 'idtype_t', 'acl_type_t',
]);
/**
 * Where the C type does not say what the argument is: call:index → kind. A symlink's target is
 * a string, not a path the call resolves; ioctl's u_long command is truncated to 32 bits by
 * sys_ioctl; dup2's descriptors are u_int from/to; swapon/swapoff name a device path; a message
 * queue's message is bytes of a given length, not a string.
 */
export const ARG_OVERRIDES = {
  'kmq_timedsend:1': 'ptr',
  'symlink:0': 'str',
  'symlinkat:0': 'str',
  'ioctl:1': 'uint',
  'dup2:0': 'fd',
  'dup2:1': 'fd',
  'swapon:0': 'path',
  'swapoff:0': 'path',
};

/** The core ArgKind of one parameter. */
export function argKind(call, index, { type, name }) {
  const override = ARG_OVERRIDES[`${call}:${index}`];
  if (override) return override;
  const words = type.split(' ').filter((w) => w !== 'const' && w !== '*');
  const stars = (type.match(/\*/g) ?? []).length;
  if (stars === 1 && words.join(' ') === 'char') {
    if (PATH_NAMES.has(name)) return 'path';
    return type.startsWith('const') ? 'str' : 'ptr';
  }
  if (stars > 0 || type === 'caddr_t') return 'ptr';
  const base = words.join(' ');
  if (FD_NAMES.has(name) && (base === 'int' || base === 'u_int')) return 'fd';
  if (base === 'pid_t' || (base === 'int' && (name === 'pid' || name === 'pgid'))) return 'pid';
  if (LONG_TYPES.has(base)) return 'long';
  if (UINT_TYPES.has(base)) return 'uint';
  if (INT_TYPES.has(base)) return 'int';
  throw new Error(`${call}: argument ${index} (${type} ${name}): no kind for this type`);
}

const CLASS_ORDER = ['file', 'desc', 'network', 'process', 'signal', 'ipc', 'memory', 'creds'];

/** The table rows: native entries up to LAST_SYSCALL with their kinds and classes. */
export function syscallRows(masterText, classes) {
  const rows = [];
  for (const e of parseSyscallsMaster(masterText)) {
    if (e.nr > LAST_SYSCALL || !isNative(e) || !e.proto) continue;
    const { name, params } = parsePrototype(e.proto);
    const args = params.map((p, i) => argKind(name, i, p));
    const set = new Set(classes[name] ?? []);
    if (args.includes('path')) set.add('file');
    if (args.includes('fd')) set.add('desc');
    rows.push({ nr: e.nr, name, args, classes: CLASS_ORDER.filter((c) => set.has(c)) });
  }
  return rows;
}

const quoteList = (xs) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

export function renderTable(rows) {
  const cols = rows.map((r) => [`{ nr: ${r.nr},`, `name: '${r.name}',`, `args: ${quoteList(r.args)},`, `classes: ${quoteList(r.classes)} },`]);
  const widths = [0, 1, 2].map((i) => Math.max(...cols.map((c) => c[i].length)) + 1);
  const body = cols.map((c) => `    ${c.map((s, i) => (i < 3 ? s.padEnd(widths[i]) : s)).join('')}`);
  return `// biome-ignore-all format: one aligned row per syscall
// Generated by scripts/generate-tables.mjs (pnpm gen) from FreeBSD's sys/kern/syscalls.master
// (${SOURCE.repo} ${SOURCE.commit}) and src/tables/amd64-classes.ts: do
// not edit. The native amd64 ABI's STD, NOSTD and SYSMUX entries 0-${LAST_SYSCALL}; COMPAT*, OBSOL,
// RESERVED, UNIMPL and NODEF slots are absent.
// Argument kinds follow the C types (scripts/generate-tables.mjs argKind): descriptors -> fd, pid_t
// -> pid, path names -> path, other const strings -> str, pointers -> ptr, size_t/off_t/long/u_long/
// id_t/key_t/dev_t -> long, u_int/mode_t/uid_t/gid_t/socklen_t -> uint. \`file\`/\`desc\` classes derive
// from path/fd arguments. Calls of 7 arguments (sendfile, sctp_*, afs3_syscall) take the 7th from the
// stack on FreeBSD. ${rows.length} syscalls.
import type { SyscallTable } from '@sysjail/core';
import { amd64Arch } from '../arch.js';

export const amd64: SyscallTable = {
  arch: amd64Arch,
  entries: [
${body.join('\n')}
  ],
};
`;
}

// ---- headers ------------------------------------------------------------------------------------

/** `#define NAME value` lines of a C header: numbers (decimal, hex, octal, negated) and aliases resolved. */
export function parseDefines(text) {
  const raw = new Map();
  for (const m of text.matchAll(/^#\s*define\s+(\w+)\s+\(?\s*(-?(?:0x[0-9a-fA-F]+|\d+|\w+))\s*\)?[ \t]*(?:\/\*.*)?$/gm))
    raw.set(m[1], m[2]);
  const out = new Map();
  const value = (name, depth = 0) => {
    const v = raw.get(name);
    if (v === undefined || depth > 8) return undefined;
    if (/^-?0x/i.test(v)) return v.startsWith('-') ? -Number.parseInt(v.slice(3), 16) : Number.parseInt(v, 16);
    if (/^-?0\d+$/.test(v)) return Number.parseInt(v, 8);
    if (/^-?\d+$/.test(v)) return Number(v);
    return value(v, depth + 1);
  };
  for (const name of raw.keys()) {
    const v = value(name);
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

/**
 * Package numbers no stored FreeBSD header defines yet (the stored socket.h predates them); listed
 * here so that they are named, not silently skipped. Check them when the source tree has them.
 */
export const UNCHECKED = {
  AF_NETLINK: 'sys/sys/socket.h of FreeBSD 13.2 and later',
  SOCK_CLOFORK: 'sys/sys/socket.h of FreeBSD 15',
};

/** [name, number] pairs the package hand-codes, by the header that defines them. */
export async function packageNumbers() {
  const load = async (f) => import(join(pkg, 'dist', f));
  const { freebsdErrno } = await load('errno.js');
  const t = await load('translation.js');
  const c = await load('constants.js');
  const pick = (names) => names.map((n) => [n, c[n]]);
  return {
    errno: Object.entries(freebsdErrno),
    signal: [...Object.entries(t.signals), ...Object.entries(t.signalsWithoutLinux), ['SIGRTMIN', t.FREEBSD_SIGRTMIN]],
    fcntl: [...Object.entries(t.openFlags), ...Object.entries(t.openFlagsDropped), ...Object.entries(t.openFlagsRefused), ...Object.entries(t.atFlags)],
    mman: [
      ...Object.entries(t.mmapFlags).map(([n, v]) => [n, v.freebsd]),
      ['MAP_GUARD', t.MAP_GUARD],
      ['MAP_EXCL', t.MAP_EXCL],
      ...Object.entries(t.mmapFlagsDropped),
      ...Object.entries(t.madviseIds).map(([n, v]) => [n, v.freebsd]),
    ],
    clock: Object.entries(t.clockIds).map(([n, v]) => [n, v.freebsd]),
    resource: Object.entries(t.rlimitIds).map(([n, v]) => [n, v.freebsd]),
    sysctl: Object.entries(t.sysctlMib),
    socket: pick(SOCKET_CONSTANTS.filter((n) => !(n in UNCHECKED))),
  };
}

/** The package's constants.js names not compared with a header (UNCHECKED aside): none may be left out silently. */
export const SOCKET_CONSTANTS = ['AF_UNIX', 'AF_LOCAL', 'AF_INET', 'AF_ROUTE', 'AF_INET6', 'AF_NETLINK', 'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_RDM', 'SOCK_SEQPACKET', 'SOCK_CLOEXEC', 'SOCK_NONBLOCK', 'SOCK_CLOFORK'];

/** Disagreements between the package's numbers and a header's: one line each. */
export function compareNumbers(file, ours, defines) {
  const problems = [];
  for (const [name, nr] of ours) {
    if (!defines.has(name)) problems.push(`${file}: ${name} is not defined there`);
    else if (defines.get(name) !== nr) problems.push(`${file}: ${name} is ${defines.get(name)}, the package says ${nr}`);
  }
  return problems;
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  const argv = process.argv.slice(2);
  const check = argv.includes('--check');
  const source = argv.includes('--source') ? argv[argv.indexOf('--source') + 1] : defaultSource();
  const read = (key) => {
    const path = join(source, SOURCE_FILES[key]);
    if (!existsSync(path)) throw new Error(`${path} is missing: give a freebsd-src tree (--source DIR or FREEBSD_SRC)`);
    return readFileSync(path, 'utf8');
  };
  const { amd64Classes } = await import(join(pkg, 'dist', 'tables', 'amd64-classes.js'));
  const table = renderTable(syscallRows(read('syscalls'), amd64Classes));
  const target = join(pkg, 'src', 'tables', 'amd64.ts');
  const problems = [];
  if (readFileSync(target, 'utf8') !== table) {
    if (check) problems.push('src/tables/amd64.ts differs from what syscalls.master gives (run pnpm gen)');
    else writeFileSync(target, table);
  }
  const layouts = loadLayouts();
  problems.push(...checkFacts(layouts));
  const header = renderLayoutsHeader(layouts);
  const headerPath = join(pkg, LAYOUTS_HEADER);
  if ((existsSync(headerPath) ? readFileSync(headerPath, 'utf8') : '') !== header) {
    if (check) problems.push(`${LAYOUTS_HEADER} differs from what freebsd/layouts.json gives (run pnpm gen)`);
    else writeFileSync(headerPath, header);
  }
  if (resolve(source) !== resolve(pkg, 'freebsd')) problems.push(...compareLayouts(layouts, layoutsFromSource(source, layouts)));
  const numbers = await packageNumbers();
  for (const [key, ours] of Object.entries(numbers)) problems.push(...compareNumbers(SOURCE_FILES[key], ours, parseDefines(read(key))));
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
