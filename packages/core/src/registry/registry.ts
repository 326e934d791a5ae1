import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { removeStaleLimitCgroupsOf } from '../limits/jail-limits.js';
import { removeStaleAliases } from '../net/interface-aliases.js';
import { BadJailRecordError, JailNameInUseError, JailRecordNotFoundError, NoFreeJidError } from './errors.js';
import { isoTime } from './iso-time.js';
import type { JailRecord, JailRecordPatch, NewJailRecord } from './jail-record.js';
import { withLockFile } from './lock-file.js';
import { isSameProcess, processStartTime } from './process-start-time.js';
import { countersDir, defaultRegistryDir } from './run-dir.js';

/** JIDs run 1 .. JID_MAX, then wrap (FreeBSD's JAIL_MAX). */
export const JID_MAX = 999_999;

export interface Registry {
  readonly dir: string;
  /** Gives the jail a fresh JID (never one a live jail holds) and records it; names must be unique. */
  allocate(entry: NewJailRecord): JailRecord;
  /** Changes a live jail's record (atomically); the JID cannot change. */
  update(jid: number, patch: JailRecordPatch): JailRecord;
  /** Forgets a jail; no error if it is already gone. */
  remove(jid: number): void;
  /** Live jails by JID; stale records (supervisor dead or its pid reused) are removed on the way. */
  list(): JailRecord[];
  /** A live jail by JID (number or all-digit string: its record alone is read) or name. */
  find(jidOrName: number | string): JailRecord | undefined;
}

const recordFile = /^([0-9]+)\.json$/;
/** .lastjid's text: the JID padded with spaces to this width, then a newline (longer than any JID). */
const LAST_JID_WIDTH = 15;

/** A record is live while its supervisor (same pid, same start time) runs. */
export function isLive(r: JailRecord): boolean {
  return isSameProcess(r.supervisorPid, r.supervisorStartTime);
}

function readRecord(file: string): JailRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let r: JailRecord;
  try {
    r = JSON.parse(text) as JailRecord;
  } catch (e) {
    throw new BadJailRecordError(file, (e as Error).message);
  }
  if (!Number.isInteger(r.jid) || !Number.isInteger(r.supervisorPid)) {
    throw new BadJailRecordError(file, 'no jid or supervisorPid');
  }
  return r;
}

/** Opens (creating it if needed) the registry directory: default /run/sysjail/jails, or $SYSJAIL_RUN_DIR/jails. */
export function openRegistry(dir: string = defaultRegistryDir()): Registry {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (e) {
    // A reader without rights (jls as a user) still lists; writers fail on their first write.
    if (!['EACCES', 'EPERM', 'EROFS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  // flock(2)'s file (not `.lock`, the O_EXCL lock file of builds before it, which would take this one
  // for a stale lock of theirs and remove it).
  const lockPath = join(dir, '.flock');
  const fileOf = (jid: number) => join(dir, `${jid}.json`);
  const locked = <T>(fn: () => T): T => withLockFile(lockPath, fn);

  const write = (r: JailRecord): void => {
    const tmp = join(dir, `.${r.jid}.json.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, fileOf(r.jid));
  };

  const unlinkQuiet = (file: string): void => {
    try {
      unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  };

  /** Every record on disk, live or not, skipping unreadable ones. */
  const readAll = (): JailRecord[] => {
    const out: JailRecord[] = [];
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw e;
    }
    for (const f of files) {
      const named = recordFile.exec(f);
      if (!named) continue;
      try {
        const r = readRecord(join(dir, f));
        if (r && r.jid === Number(named[1])) out.push(r); // a record under another JID's name is none
      } catch (e) {
        if (!(e instanceof BadJailRecordError)) throw e;
      }
    }
    return out.sort((a, b) => a.jid - b.jid);
  };

  /** Under the lock: drop stale records, return the live ones. */
  const heal = (): JailRecord[] => {
    const live: JailRecord[] = [];
    for (const r of readAll()) {
      if (isLive(r)) live.push(r);
      else {
        removeStaleAliases(r); // a supervisor killed before it could remove them
        removeStaleLimitCgroupsOf(r);
        unlinkQuiet(fileOf(r.jid));
        unlinkQuiet(join(dir, `${r.jid}.sock`)); // the jexec socket of a supervisor that was killed
        const counters = join(countersDir(dir), `${r.jid}.json`);
        if (r.countersPath === counters) unlinkQuiet(counters); // only the run dir's own, never another path
      }
    }
    return live;
  };

  const checkName = (live: readonly JailRecord[], name: string | undefined, self?: number): void => {
    if (name === undefined) return;
    const other = live.find((r) => r.name === name && r.jid !== self);
    if (other) throw new JailNameInUseError(name, other.jid);
  };

  const lastJidFile = join(dir, '.lastjid');
  const readLastJid = (): number => {
    try {
      const n = Number(readFileSync(lastJidFile, 'utf8').trim());
      return Number.isInteger(n) && n >= 0 && n <= JID_MAX ? n : 0;
    } catch {
      return 0;
    }
  };
  // Read and written under the lock only: written in place (a torn write reads as 0, as a missing file),
  // over what is there, never truncated: the text is always as long (the JID, spaces, a newline), so the
  // file never shrinks (on ext4, a file truncated and written again is flushed when it is closed: 0.15-0.4
  // ms of every start where /run is not a tmpfs).
  const writeLastJid = (jid: number): void => {
    const fd = openSync(lastJidFile, constants.O_WRONLY | constants.O_CREAT, 0o644);
    try {
      writeSync(fd, `${String(jid).padEnd(LAST_JID_WIDTH)}\n`, 0);
    } finally {
      closeSync(fd);
    }
  };

  function list(): JailRecord[] {
    const all = readAll();
    if (all.every(isLive)) return all;
    try {
      return locked(heal);
    } catch (e) {
      // Not allowed to heal (not root): list the live ones, leave the stale ones to root.
      if (!['EACCES', 'EPERM', 'EROFS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      return all.filter(isLive);
    }
  }

  return {
    dir,
    allocate(entry) {
      const supervisorStartTime = entry.supervisorStartTime ?? processStartTime(entry.supervisorPid);
      if (supervisorStartTime === undefined) {
        throw new BadJailRecordError('(new)', `supervisor pid ${entry.supervisorPid} is not running`);
      }
      return locked(() => {
        const live = heal();
        checkName(live, entry.name);
        const used = new Set(live.map((r) => r.jid));
        let jid = readLastJid();
        for (let tries = 0; ; tries++) {
          if (tries >= JID_MAX) throw new NoFreeJidError();
          jid = jid >= JID_MAX ? 1 : jid + 1;
          if (!used.has(jid)) break;
        }
        const record: JailRecord = {
          ...entry,
          jid,
          supervisorStartTime,
          startedAt: entry.startedAt ?? isoTime(Date.now()),
        };
        write(record);
        writeLastJid(jid);
        return record;
      });
    },
    update(jid, patch) {
      return locked(() => {
        const current = readRecord(fileOf(jid));
        if (!current || !isLive(current)) throw new JailRecordNotFoundError(jid);
        if (patch.name !== undefined && patch.name !== current.name) checkName(heal(), patch.name, jid);
        const next: JailRecord = { ...current, ...patch, jid };
        write(next);
        return next;
      });
    },
    remove(jid) {
      locked(() => unlinkQuiet(fileOf(jid)));
    },
    list,
    find(jidOrName) {
      if (typeof jidOrName === 'number' || /^[0-9]+$/.test(jidOrName)) {
        // Its own record only: a start's end looks its jail up (O(1), not every record read).
        const jid = Number(jidOrName);
        if (!Number.isInteger(jid) || jid < 1 || jid > JID_MAX) return undefined;
        try {
          const r = readRecord(fileOf(jid));
          return r && r.jid === jid && isLive(r) ? r : undefined;
        } catch (e) {
          if (e instanceof BadJailRecordError) return undefined;
          throw e;
        }
      }
      return list().find((r) => r.name === jidOrName);
    },
  };
}
