// A prison's compiled seccomp filter, cached in memory and on disk. The disk cache is a directory only
// root can write (every component from / root's and not writable by others), its files written
// atomically (a new file renamed over), keyed by a SHA-256 of everything the program depends on: the
// compiler's code (the files of core's filter/ and the bindings' BPF assembler and seccomp constants,
// by inode, size and times), the emulation's tables, refused ABIs, errnos and handler names, the
// policy and the audit choice. Anything unexpected (missing, unreadable, foreign owner, bad shape,
// another key) means compiling again. Bounded: a hit moves the entry's mtime forward (at most once a
// minute), and after each write the least recently used entries are removed down to the limits.
import {
  closeSync,
  constants,
  fstatSync,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfSourceFiles, sha256Hex } from '@sysjail/systrace-bindings';
import type { Emulation } from '../emulation.js';
import { encodeFilter } from '../filter/assemble.js';
import { type CompiledFilter, compileFilter, type NotifyEntry } from '../filter/compile.js';
import { type ChangeableRuleSet, jailPolicies } from '../listen/jail-policy.js';
import type { Listener } from '../listen/listener.js';
import type { Rule } from '../policy.js';
import type { Prison, PrisonFlags } from '../prison.js';
import { sysjailRunDir } from '../registry/run-dir.js';

export interface JailFilter {
  /** What the supervisor needs of the compiled filter (a cached one has no ops). */
  readonly compiled: Pick<CompiledFilter, 'notifyTable' | 'notifyByCall'>;
  /** The encoded sock_filter[] the kernel runs. */
  readonly program: Uint8Array;
}

/**
 * Bumped when the file's shape changes. A file: one line of JSON (format, key, the byte lengths of the
 * two parts that follow), the program's bytes, then JSON of its notify table and notify-by-call indexes.
 */
const FORMAT = 'sysjail-filter-2';
const MAX_FILE = 4 << 20;
/** How far the disk cache may grow: entries, and bytes of entries. */
export interface FilterCacheLimits {
  readonly entries: number;
  readonly bytes: number;
}
export const defaultFilterCacheLimits: FilterCacheLimits = { entries: 256, bytes: 8 << 20 };
/** A hit moves an entry's mtime (its last use) forward when it is older than this. */
const TOUCH_AFTER_MS = 60_000;
/** A writer's temporary file older than this was left by a writer that died. */
const STALE_TEMPORARY_MS = 10 * 60_000;
/**
 * The names the cache makes: entries, writers' temporaries, and sysjail-filter-1's entries (read only by
 * an older sysjail, which does not move them forward on a hit: they are pruned like entries).
 */
const ENTRY_NAME = /^[0-9a-f]{64}\.filter$/;
const TEMPORARY_NAME = /^\.[0-9a-f]{64}\.[0-9]+\.[0-9a-z]*\.tmp$/;
const FORMER_ENTRY_NAME = /^[0-9a-f]{64}\.json$/;
/** Per emulation object (a process's own), by cache directory and policy. */
const filters = new WeakMap<Emulation, Map<string, JailFilter>>();

/** Where the compiled filters are kept: <run dir>/filters. */
export function defaultFilterCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(sysjailRunDir(env), 'filters');
}

/**
 * The compiled filter of a prison's policy: from memory, else from the disk cache in `cacheDir`
 * (undefined: none), else compiled (and written there, the cache then pruned to `limits`).
 */
export function filterFor(
  emulation: Emulation,
  prison: Prison,
  auditDenials: boolean,
  cacheDir: string | undefined = defaultFilterCacheDir(),
  limits: FilterCacheLimits = defaultFilterCacheLimits,
): JailFilter {
  const policy = emulation.policy(prison);
  const decided = stringify([policy, auditDenials]);
  const memoryKey = `${cacheDir ?? ''}\0${decided}`;
  let ours = filters.get(emulation);
  if (!ours) {
    ours = new Map();
    filters.set(emulation, ours);
  }
  const known = ours.get(memoryKey);
  if (known) return known;
  const compiler = compilerId();
  const key =
    compiler === undefined
      ? undefined
      : sha256Hex(`${FORMAT}\0${compiler}\0${emulationText(emulation)}\0${decided}`);
  const dir = key !== undefined && cacheDir !== undefined ? rootOnlyDir(cacheDir) : undefined;
  let f = dir && key ? readCached(dir, key) : undefined;
  if (!f) {
    const compiled = compileFilter(emulation, policy, { auditDenials });
    f = { compiled, program: encodeFilter(compiled.ops) };
    if (dir && key && writeCached(dir, key, f)) prune(dir, limits);
  }
  ours.set(memoryKey, f);
  return f;
}

const emulationTexts = new WeakMap<Emulation, string>();

/**
 * What of an emulation the program depends on, as text (once per emulation object): its tables by their
 * `tablesDigest` when it has one, else by `emulationTablesText`; and its handler module.
 */
function emulationText(emulation: Emulation): string {
  let text = emulationTexts.get(emulation);
  if (text === undefined) {
    const tables =
      emulation.tablesDigest === undefined
        ? emulationTablesText(emulation)
        : `digest ${emulation.tablesDigest}`;
    text = `${tables}\0${emulation.handlers?.module ?? ''}`;
    emulationTexts.set(emulation, text);
  }
  return text;
}

/**
 * An emulation's name, tables, refused architectures, errno names and handler names as JSON: what
 * `Emulation.tablesDigest` is a SHA-256 of.
 */
export function emulationTablesText(emulation: Emulation): string {
  const parts = [
    emulation.name,
    emulation.tables,
    emulation.refusedArchitectures,
    emulation.errno,
    emulation.handlers?.names ?? null,
  ];
  try {
    return JSON.stringify(parts); // tables are names and numbers: no replacer (several times faster)
  } catch {
    return stringify(parts);
  }
}

/** JSON with bigints as {"$n": "..."}. */
function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? { $n: v.toString() } : v));
}

/**
 * The bigints stringify() wrote in a notify table, back where rules keep them (their argument tests'
 * value, mask and values): the table's other fields are not walked (the generic walk of revive() took
 * 2-4 ms of a start). `marks` is how many {"$n": ...} the text holds; if the tests did not hold them
 * all (a bigint elsewhere), the generic walk.
 */
function reviveNotifyTable(table: unknown[], marks: number): unknown[] {
  const big = (v: unknown): unknown => {
    if (v !== null && typeof v === 'object' && typeof (v as { $n?: unknown }).$n === 'string') {
      if (Object.keys(v).length === 1) {
        marks--;
        return BigInt((v as { $n: string }).$n);
      }
    }
    return v;
  };
  for (const e of table) {
    const when = (e as { rule?: { when?: unknown } } | null)?.rule?.when;
    if (!Array.isArray(when)) continue;
    for (const t of when as Record<string, unknown>[]) {
      if (t === null || typeof t !== 'object') continue;
      if ('value' in t) t.value = big(t.value);
      if ('mask' in t) t.mask = big(t.mask);
      if (Array.isArray(t.values)) t.values = t.values.map(big);
    }
  }
  return marks === 0 ? table : (revive(table) as unknown[]);
}

/** The bigints stringify() wrote, back (a walk after a plain parse: much faster than a reviver). */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i]);
    return v;
  }
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (typeof o.$n === 'string' && Object.keys(o).length === 1) return BigInt(o.$n);
  for (const k of Object.keys(o)) o[k] = revive(o[k]);
  return o;
}

let compiler: string | undefined | null = null;

/**
 * The files of the code that turns a policy into a program: core's filter/ and the bindings' BPF
 * assembler and seccomp constants (the cli's bundle build digests them too).
 */
export function compilerSourceFiles(): string[] {
  const ours = fileURLToPath(new URL('../filter/', import.meta.url));
  const code = (name: string) => /\.(js|ts)$/.test(name) && !/\.(test|d)\.ts$/.test(name);
  const files = [
    ...readdirSync(ours)
      .filter(code)
      .map((n) => join(ours, n)),
    ...bpfSourceFiles(),
  ].sort();
  if (files.length < 3) throw new Error('compiler sources not found');
  return files;
}

/**
 * In the cli's bundles (esbuild's define): a SHA-256 of the contents of compilerSourceFiles() as the
 * bundle's build read them, the files the bundle's own copy of the compiler was made from. Elsewhere not
 * defined.
 */
declare const __sysjailBundledCompiler: string | undefined;

/**
 * What identifies the code that turns a policy into a program (text, a part of the key): in a bundle,
 * the digest its build wrote in (no file is looked at: 0.7-1 ms of a fresh process); else the files of
 * compilerSourceFiles() by inode, size and change time (a rebuilt or changed file is another compiler).
 * Undefined if they cannot be found: no disk cache then.
 */
function compilerId(): string | undefined {
  if (compiler !== null) return compiler;
  if (typeof __sysjailBundledCompiler === 'string') {
    compiler = `bundle ${__sysjailBundledCompiler}`;
    return compiler;
  }
  try {
    let id = '';
    for (const file of compilerSourceFiles()) {
      const st = statSync(file, { bigint: true });
      id += `${file}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}\n`;
    }
    compiler = id;
  } catch {
    compiler = undefined;
  }
  return compiler;
}

/**
 * `dir` (made 0700 if missing) when only root can write it and every directory above it; otherwise
 * undefined: a cache others could write would decide what the kernel lets a jail do.
 */
function rootOnlyDir(dir: string): string | undefined {
  try {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const real = realpathSync(dir);
    const own = lstatSync(real);
    if (!own.isDirectory() || own.uid !== 0 || (own.mode & 0o077) !== 0) return undefined;
    for (let d = dirname(real); ; d = dirname(d)) {
      const st = lstatSync(d);
      const sticky = (st.mode & 0o1000) !== 0;
      if (!st.isDirectory() || st.uid !== 0 || ((st.mode & 0o022) !== 0 && !sticky)) return undefined;
      if (d === '/') break;
    }
    return real;
  } catch {
    return undefined;
  }
}

function readCached(dir: string, key: string): JailFilter | undefined {
  let fd: number;
  try {
    fd = openSync(
      join(dir, `${key}.filter`),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== 0 || st.size > MAX_FILE) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    for (let n = 1; got < buf.length && n > 0; got += n) n = readSync(fd, buf, got, buf.length - got, got);
    if (got !== buf.length) return undefined;
    const eol = buf.indexOf(10);
    if (eol < 0) return undefined;
    const head = JSON.parse(buf.toString('utf8', 0, eol)) as {
      format?: unknown;
      key?: unknown;
      program?: unknown;
      table?: unknown;
    };
    const programLength = head.program;
    const tableLength = head.table;
    if (head.format !== FORMAT || head.key !== key) return undefined;
    if (typeof programLength !== 'number' || typeof tableLength !== 'number') return undefined;
    if (
      programLength <= 0 ||
      programLength % 8 !== 0 ||
      eol + 1 + programLength + tableLength !== buf.length
    ) {
      return undefined;
    }
    const program = new Uint8Array(buf.subarray(eol + 1, eol + 1 + programLength));
    const text = buf.toString('utf8', eol + 1 + programLength);
    const v = JSON.parse(text) as {
      notifyTable?: unknown;
      notifyByCall?: unknown;
    };
    if (!Array.isArray(v.notifyTable) || !Array.isArray(v.notifyByCall)) return undefined;
    const notifyTable = reviveNotifyTable(v.notifyTable, text.split('{"$n":').length - 1) as NotifyEntry[];
    const byCall = v.notifyByCall as [number, [number, number[]][]][];
    const notifyByCall = new Map(
      byCall.map(([arch, calls]) => [
        arch,
        new Map(
          calls.map(([nr, ix]) => {
            const entries = ix.map((i) => notifyTable[i]);
            if (entries.some((e) => e === undefined)) throw new Error('bad notify index');
            return [nr, entries as NotifyEntry[]];
          }),
        ),
      ]),
    );
    const now = Date.now();
    if (now - st.mtimeMs > TOUCH_AFTER_MS) {
      try {
        futimesSync(fd, now / 1000, now / 1000); // its last use, for pruneFilterCache
      } catch {}
    }
    return { compiled: { notifyTable, notifyByCall }, program };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Best effort: a new file renamed over the old, so a reader sees a whole file or none. True if written. */
function writeCached(dir: string, key: string, f: JailFilter): boolean {
  const tmp = join(dir, `.${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    const table = Buffer.from(
      stringify({
        notifyTable: f.compiled.notifyTable,
        notifyByCall: [...f.compiled.notifyByCall].map(([arch, m]) => [
          arch,
          [...m].map(([nr, es]) => [nr, es.map((e) => e.index)]),
        ]),
      }),
      'utf8',
    );
    const head = Buffer.from(
      `${JSON.stringify({ format: FORMAT, key, program: f.program.length, table: table.length })}\n`,
      'utf8',
    );
    writeFileSync(tmp, Buffer.concat([head, f.program, table]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, join(dir, `${key}.filter`));
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {}
    return false;
  }
}

/**
 * Removes the least recently used entries (by mtime, which a hit moves forward) of the cache directory
 * `cacheDir` (those of the earlier format too) until at most `limits` remain, and writers' temporaries
 * older than 10 minutes (filterFor does it after each write). Nothing if the directory is not root's
 * alone (rootOnlyDir). Only root's regular files with the cache's own names are counted or removed
 * (lstat: links are neither followed nor removed). Safe alongside other processes: a name gone meanwhile
 * is skipped; an entry removed under a reader is a miss for it (or read whole from the open file),
 * compiled and written again.
 */
export function pruneFilterCache(
  cacheDir: string = defaultFilterCacheDir(),
  limits: FilterCacheLimits = defaultFilterCacheLimits,
): void {
  const dir = rootOnlyDir(cacheDir);
  if (dir !== undefined) prune(dir, limits);
}

/** pruneFilterCache in `dir`, a directory rootOnlyDir returned. */
function prune(dir: string, limits: FilterCacheLimits): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  const remove = (name: string) => {
    try {
      unlinkSync(join(dir, name));
    } catch {}
  };
  const entries: { name: string; size: number; used: number }[] = [];
  let bytes = 0;
  for (const name of names) {
    const temporary = TEMPORARY_NAME.test(name);
    if (!temporary && !ENTRY_NAME.test(name) && !FORMER_ENTRY_NAME.test(name)) continue;
    let st: Stats;
    try {
      st = lstatSync(join(dir, name));
    } catch {
      continue;
    }
    if (!st.isFile() || st.uid !== 0) continue;
    if (!temporary) {
      entries.push({ name, size: st.size, used: st.mtimeMs });
      bytes += st.size;
    } else if (now - st.mtimeMs > STALE_TEMPORARY_MS) {
      remove(name);
    }
  }
  if (entries.length <= limits.entries && bytes <= limits.bytes) return;
  entries.sort((a, b) => a.used - b.used || (a.name < b.name ? -1 : 1));
  let count = entries.length;
  for (const e of entries) {
    if (count <= limits.entries && bytes <= limits.bytes) break;
    remove(e.name);
    count--;
    bytes -= e.size;
  }
}

/**
 * What a jail's supervisor decides routed calls by: the emulation's policy for the prison, after the
 * rules of the changeable rule sets switched on (none: the cached filter).
 */
export function decisionFilter(
  emulation: Emulation,
  prison: Prison,
  auditDenials: boolean,
  activeRules: readonly Rule[] = [],
): JailFilter {
  if (activeRules.length === 0) return filterFor(emulation, prison, auditDenials);
  const policy = emulation.policy(prison);
  const compiled = compileFilter(
    emulation,
    { ...policy, rules: [...activeRules, ...policy.rules] },
    { auditDenials },
  );
  return { compiled, program: encodeFilter(compiled.ops) };
}

/** A jail's filters: the one the kernel runs, and the one its supervisor decides routed calls by. */
export interface JailFilters {
  readonly filter: JailFilter;
  readonly decision: JailFilter;
  readonly listeners: readonly Listener[];
}

/**
 * A plain jail's filters (no listeners, changeable flags or rule sets) by emulation object, then by cache
 * directory, prison and audit choice: the last PLAIN_KEPT prisons started. A prewarmed start of the
 * same prison skips making the policy (twice) and the text of it that keys the filter by policy
 * (0.3-0.5 ms; about 1 ms of a start in a busy process): Emulation.policy is a function of the prison.
 */
const plainFilters = new WeakMap<Emulation, Map<string, JailFilters>>();
const PLAIN_KEPT = 16;

/**
 * A jail's filters. A plain jail's come from filterFor (memory, disk or compiled), kept by prison; a jail
 * with listeners or changeable flags or rules is compiled each time (listeners are code).
 */
export function jailFilters(
  emulation: Emulation,
  prison: Prison,
  auditDenials: boolean,
  listeners: readonly Listener[] = [],
  changeable: readonly (keyof PrisonFlags)[] = [],
  changeableRules: Readonly<Record<string, ChangeableRuleSet>> = {},
  activeRules: readonly Rule[] = [],
): JailFilters {
  const noRuleSets = Object.values(changeableRules).every((set) => set.rules.length === 0);
  const plain = listeners.length === 0 && changeable.length === 0 && activeRules.length === 0 && noRuleSets;
  let kept = plainFilters.get(emulation);
  const key = plain ? stringify([defaultFilterCacheDir(), prison, auditDenials]) : '';
  if (plain) {
    const known = kept?.get(key);
    if (known) {
      kept?.delete(key); // most recent last
      kept?.set(key, known);
      return known;
    }
  }
  const decision = decisionFilter(emulation, prison, auditDenials, activeRules);
  const policies = jailPolicies(emulation, prison, listeners, changeable, changeableRules);
  if (policies.listeners.length === 0 && changeable.length === 0 && noRuleSets) {
    const filters: JailFilters = { filter: decision, decision, listeners: [] };
    if (plain) {
      if (!kept) {
        kept = new Map();
        plainFilters.set(emulation, kept);
      }
      kept.set(key, filters);
      if (kept.size > PLAIN_KEPT) kept.delete(kept.keys().next().value as string);
    }
    return filters;
  }
  const compiled = compileFilter(emulation, policies.filter, { auditDenials, handlers: policies.handlers });
  return {
    filter: { compiled, program: encodeFilter(compiled.ops) },
    decision,
    listeners: policies.listeners,
  };
}
