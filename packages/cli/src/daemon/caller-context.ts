// Whether a process that asks the shared supervisor to start its jail is, in everything that jail would
// inherit from it or be confined by, the same as the supervisor's main thread, which launches the jails.
// Only then may the supervisor start the jail in its place: jailed root is host root, so a caller under a
// seccomp filter, in other namespaces, in a chroot, with fewer capabilities or other limits must start
// its jail itself. A Landlock domain does not show in /proc: the supervisor's proof (supervisor-proof.ts)
// covers it.
import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import {
  AT_FDCWD,
  IOPRIO_WHO_PROCESS,
  ioprioGet,
  pidfdSendSignal,
  STATX_INO,
  STATX_MNT_ID_UNIQUE,
  statFieldsOf,
  statx,
} from '@sysjail/systrace-bindings';

/** An attribute of one process: its value, or the error that kept it from being read. */
export type Reading = { readonly value: string } | { readonly error: string };

/** A process's view: /proc/<pid> or /proc/self, each file read and parsed once; `pid` for calls that take one. */
interface ProcessView {
  readonly dir: string;
  readonly pid: number;
  readonly files: Map<string, Reading>;
  status?: ReadonlyMap<string, string>;
  stat?: readonly string[];
}

interface Attribute {
  readonly name: string;
  readonly read: (p: ProcessView) => Reading;
  /** Equal readings (default: the same value, or the same error). */
  readonly equal?: (a: Reading, b: Reading) => boolean;
}

/** Longer than any of the files read here (limits, cgroup, status are 1-4 KiB). */
const MAX_FILE = 64 * 1024;
const buffer = Buffer.alloc(MAX_FILE + 1);

function failed(e: unknown): Reading {
  const code = (e as { code?: unknown; errnoName?: unknown }).errnoName ?? (e as { code?: unknown }).code;
  return { error: typeof code === 'string' ? code : 'unknown' };
}

/** One bounded read of a /proc file (not following a link at its end). */
function readProcFile(path: string): Reading {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    return failed(e);
  }
  try {
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_FILE) return { error: 'EFBIG' };
    }
    return { value: buffer.toString('latin1', 0, length) };
  } catch (e) {
    return failed(e);
  } finally {
    closeSync(fd);
  }
}

function file(p: ProcessView, name: string): Reading {
  let r = p.files.get(name);
  if (!r) {
    r = readProcFile(`${p.dir}/${name}`);
    p.files.set(name, r);
  }
  return r;
}

function map(r: Reading, f: (text: string) => string | undefined): Reading {
  if (!('value' in r)) return r;
  const v = f(r.value);
  return v === undefined ? { error: 'absent' } : { value: v };
}

/** The `Name:\tvalue` lines of /proc/<pid>/status (or fdinfo), by name. */
function statusFields(status: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of status.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !fields.has(line.slice(0, colon)))
      fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** The value of a `Name:\tvalue` line of /proc/<pid>/status. */
export function statusField(status: string, name: string): string | undefined {
  return statusFields(status).get(name);
}

/** Field `n` (1-based, as proc(5) numbers them) of /proc/<pid>/stat, for n >= 3. */
export function statField(stat: string, n: number): string | undefined {
  return n < 3 ? undefined : statFieldsOf(stat)[n - 3];
}

const trimmed = (text: string): string => text.trim();

function wholeFile(name: string, path = name): Attribute {
  return { name, read: (p) => map(file(p, path), trimmed) };
}

function parsedStatus(p: ProcessView, text: string): ReadonlyMap<string, string> {
  p.status ??= statusFields(text);
  return p.status;
}

function parsedStat(p: ProcessView, text: string): readonly string[] {
  p.stat ??= statFieldsOf(text);
  return p.stat;
}

function status(name: string, field = name): Attribute {
  return { name, read: (p) => map(file(p, 'status'), (s) => parsedStatus(p, s).get(field)) };
}

function stat(name: string, n: number): Attribute {
  return { name, read: (p) => map(file(p, 'stat'), (s) => parsedStat(p, s)[n - 3]) };
}

function attempt(f: () => string): Reading {
  try {
    return { value: f() };
  } catch (e) {
    return failed(e);
  }
}

/**
 * Whether this kernel has an LSM that labels processes (read once: the LSMs are chosen at boot). Without
 * one, /proc/<pid>/attr/current fails with EINVAL for every process, and each failed read costs an
 * exception (~0.1 ms).
 */
let labels: boolean | undefined;
const lsmLabel: Attribute = {
  name: 'lsm',
  read: (p) => {
    labels ??= (() => {
      const own = readProcFile('/proc/self/attr/current');
      return !('error' in own && own.error === 'EINVAL');
    })();
    return labels ? map(file(p, 'attr/current'), trimmed) : { error: 'EINVAL' };
  },
};

/** Namespaces are the same when their nsfs inodes are. */
function namespace(ns: string): Attribute {
  return {
    name: `ns:${ns}`,
    read: (p) =>
      attempt(() => {
        const st = statSync(`${p.dir}/ns/${ns}`, { bigint: true });
        return `${st.dev}:${st.ino}`;
      }),
  };
}

/** Seccomp filters cannot be compared by identity: only "no filter" on both sides is equal. */
const noneOnBoth = (a: Reading, b: Reading): boolean =>
  'value' in a && 'value' in b && a.value === '0' && b.value === '0';

/** What a jail launched by the process would inherit or be confined by, compared in this order. */
const ATTRIBUTES: readonly Attribute[] = [
  ...[
    'mnt',
    'net',
    'pid',
    'ipc',
    'uts',
    'user',
    'cgroup',
    'time',
    'pid_for_children',
    'time_for_children',
  ].map(namespace),
  {
    // the root directory and the mount it is on (a chroot into a bind mount of / has the same inode)
    name: 'root',
    read: (p) =>
      attempt(() => {
        const st = statx(AT_FDCWD, `${p.dir}/root`, 0, STATX_INO | STATX_MNT_ID_UNIQUE);
        return `${st.devMajor}:${st.devMinor}:${st.ino}:${st.mask & STATX_MNT_ID_UNIQUE}:${st.mntId}`;
      }),
  },
  ...['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs'].map((f) =>
    status(f),
  ),
  { ...status('Seccomp'), equal: noneOnBoth },
  { ...status('Seccomp_filters'), equal: noneOnBoth },
  // a ptrace-based sandbox confines its tracee
  status('TracerPid'),
  status('Speculation_Store_Bypass'),
  status('SpeculationIndirectBranch'),
  status('THP_enabled'),
  status('Umask'),
  status('cpus', 'Cpus_allowed_list'),
  status('mems', 'Mems_allowed_list'),
  wholeFile('limits'),
  stat('nice', 19),
  stat('rt_priority', 40),
  stat('policy', 41),
  wholeFile('oom_score_adj'),
  wholeFile('loginuid'),
  wholeFile('sessionid'),
  wholeFile('personality'),
  wholeFile('timerslack_ns'),
  wholeFile('coredump_filter'),
  wholeFile('cgroup'),
  // the LSM label; EINVAL on both when no LSM has one
  lsmLabel,
  { name: 'ioprio', read: (p) => attempt(() => String(ioprioGet(IOPRIO_WHO_PROCESS, p.pid))) },
];

/** The names compared, in order. */
export const CALLER_ATTRIBUTES: readonly string[] = ATTRIBUTES.map((a) => a.name);

function sameReading(a: Reading, b: Reading): boolean {
  if ('value' in a) return 'value' in b && a.value === b.value;
  return 'error' in b && a.error === b.error;
}

function readAll(dir: string, pid: number): Reading[] {
  const view: ProcessView = { dir, pid, files: new Map() };
  return ATTRIBUTES.map((a) => a.read(view));
}

/** 'gone' unless `pidfd` still names a live process and that process is `pid`; else 'pidfd'. */
function pidfdCheck(pid: number, pidfd: number): string | undefined {
  const info = readProcFile(`/proc/self/fdinfo/${pidfd}`);
  const named = 'value' in info ? statusField(info.value, 'Pid') : undefined;
  if (named === undefined || named === '-1') return 'gone';
  if (named !== String(pid)) return 'pidfd';
  try {
    pidfdSendSignal(pidfd, 0);
  } catch {
    return 'gone';
  }
  return undefined;
}

/**
 * Every attribute in which process `pid` differs from this one (/proc/self: the main thread), in
 * CALLER_ATTRIBUTES order; ['gone'] when the process behind `pidfd` has ended (checked after every
 * read, so a reused pid is never read in its place), ['pidfd'] when `pidfd` names another process.
 */
export function callerMismatches(pid: number, pidfd: number): string[] {
  if (!Number.isInteger(pid) || pid <= 0) return ['gone'];
  const own = readAll('/proc/self', process.pid);
  const theirs = readAll(`/proc/${pid}`, pid);
  const identity = pidfdCheck(pid, pidfd);
  if (identity) return [identity];
  return ATTRIBUTES.filter((a, i) => !(a.equal ?? sameReading)(own[i]!, theirs[i]!)).map((a) => a.name);
}

/** The first attribute in which process `pid` differs from this one, or undefined when none does. */
export function callerMismatch(pid: number, pidfd: number): string | undefined {
  return callerMismatches(pid, pidfd)[0];
}
