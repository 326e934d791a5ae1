import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPrisonFlags } from '../prison.js';
import { runModuleScript } from '../testing/module-script.js';
import { JailNameInUseError, JailRecordNotFoundError } from './errors.js';
import type { NewJailRecord } from './jail-record.js';
import { withLockFile } from './lock-file.js';
import { processStartTime } from './process-start-time.js';
import { openRegistry } from './registry.js';
import { defaultRegistryDir } from './run-dir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysjail-registry-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (over: Partial<NewJailRecord> = {}): NewJailRecord => ({
  path: '/jails/a',
  hostname: 'a',
  ipv4: ['127.0.0.2'],
  ipv6: [],
  flags: defaultPrisonFlags,
  emulation: 'linux',
  supervisorPid: process.pid,
  ...over,
});

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync('/bin/true');
  expect(r.status).toBe(0);
  return r.pid as number;
}

describe('processStartTime', () => {
  it('reads field 22 of /proc/<pid>/stat, stable for a live process', () => {
    const t = processStartTime(process.pid);
    expect(t).toBeGreaterThan(0);
    expect(processStartTime(process.pid)).toBe(t);
    expect(processStartTime(deadPid())).toBeUndefined();
  });
});

describe('openRegistry', () => {
  it('defaults to /run/sysjail/jails, or $SYSJAIL_RUN_DIR/jails', () => {
    expect(defaultRegistryDir({})).toBe('/run/sysjail/jails');
    expect(defaultRegistryDir({ SYSJAIL_RUN_DIR: '/tmp/x' })).toBe('/tmp/x/jails');
  });

  it('allocates increasing JIDs, one JSON file per jail, written atomically', () => {
    const reg = openRegistry(dir);
    const a = reg.allocate(entry({ name: 'a' }));
    const b = reg.allocate(entry({ name: 'b', hostname: 'b' }));
    expect([a.jid, b.jid]).toEqual([1, 2]);
    expect(a.supervisorStartTime).toBe(processStartTime(process.pid));
    expect(Date.parse(a.startedAt)).not.toBeNaN();
    expect(JSON.parse(readFileSync(join(dir, '1.json'), 'utf8'))).toEqual(a);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(lockIsFree(join(dir, '.flock'))).toBe(true);
    expect(reg.list().map((r) => r.jid)).toEqual([1, 2]);
  });

  it('finds by JID and by name, updates and removes', () => {
    const reg = openRegistry(dir);
    const a = reg.allocate(entry({ name: 'web' }));
    expect(reg.find(a.jid)?.name).toBe('web');
    expect(reg.find(String(a.jid))?.name).toBe('web');
    expect(reg.find('web')?.jid).toBe(a.jid);
    expect(reg.find('nope')).toBeUndefined();
    const u = reg.update(a.jid, { initPid: 1234, initStartTime: 99, jid: 77 } as never);
    expect(u.jid).toBe(a.jid);
    expect(reg.find('web')?.initPid).toBe(1234);
    reg.remove(a.jid);
    expect(reg.find('web')).toBeUndefined();
    expect(() => reg.update(a.jid, { hostname: 'x' })).toThrow(JailRecordNotFoundError);
    reg.remove(a.jid);
  });

  it('keeps names unique among live jails', () => {
    const reg = openRegistry(dir);
    const a = reg.allocate(entry({ name: 'web' }));
    expect(() => reg.allocate(entry({ name: 'web' }))).toThrow(JailNameInUseError);
    const b = reg.allocate(entry({ name: 'db' }));
    expect(() => reg.update(b.jid, { name: 'web' })).toThrow(JailNameInUseError);
    reg.remove(a.jid);
    expect(reg.allocate(entry({ name: 'web' })).jid).toBe(3);
  });

  it('never reuses a live JID, and not a freed one until it wraps', () => {
    const reg = openRegistry(dir);
    const a = reg.allocate(entry());
    reg.allocate(entry());
    reg.remove(a.jid);
    expect(reg.allocate(entry()).jid).toBe(3);
    writeFileSync(join(dir, '.lastjid'), '999999\n');
    expect(reg.allocate(entry()).jid).toBe(1);
    // Written in place, never truncated: nothing of the longer JID is left behind.
    expect(readFileSync(join(dir, '.lastjid'), 'utf8').trim()).toBe('1');
    expect(reg.allocate(entry()).jid).toBe(4);
  });

  it('removes stale records: supervisor dead, or its pid reused', () => {
    const reg = openRegistry(dir);
    const live = reg.allocate(entry({ name: 'live' }));
    const dead = reg.allocate(entry({ name: 'dead', supervisorPid: process.pid }));
    reg.update(dead.jid, { supervisorPid: deadPid() });
    const reused = reg.allocate(entry({ name: 'reused', supervisorStartTime: 1 }));
    expect(readdirSync(dir).filter((f) => f.endsWith('.json')).length).toBe(2);
    expect(reg.list().map((r) => r.name)).toEqual(['live']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([`${live.jid}.json`]);
    expect(reused.jid).toBe(3);
    // A stale holder of the name does not block it.
    writeFileSync(
      join(dir, '9.json'),
      JSON.stringify({ ...reused, jid: 9, name: 'ghost', supervisorPid: deadPid() }),
    );
    expect(reg.allocate(entry({ name: 'ghost' })).name).toBe('ghost');
  });

  it("removes a stale record's counters file in the run dir, and no file elsewhere", () => {
    const jails = join(dir, 'jails');
    const counters = join(dir, 'counters');
    mkdirSync(counters);
    const reg = openRegistry(jails);
    const own = reg.allocate(entry());
    const other = reg.allocate(entry());
    const ownFile = join(counters, `${own.jid}.json`);
    const otherFile = join(dir, 'elsewhere.json');
    for (const f of [ownFile, otherFile]) writeFileSync(f, '{"denied":0,"emulated":0}\n');
    reg.update(own.jid, { countersPath: ownFile, supervisorPid: deadPid() });
    reg.update(other.jid, { countersPath: otherFile, supervisorPid: deadPid() });
    expect(reg.list()).toEqual([]);
    expect(existsSync(ownFile)).toBe(false);
    expect(existsSync(otherFile)).toBe(true);
  });

  it('finds by JID from that record alone: a stale, unreadable or misnamed one is no jail; list() heals', () => {
    const reg = openRegistry(dir);
    const a = reg.allocate(entry({ name: 'a' }));
    writeFileSync(
      join(dir, '7.json'),
      JSON.stringify({ ...a, jid: 7, name: 'dead', supervisorPid: deadPid() }),
    );
    writeFileSync(join(dir, '8.json'), '{');
    writeFileSync(join(dir, '9.json'), JSON.stringify(a));
    expect(reg.find(a.jid)?.name).toBe('a');
    expect(reg.find(7)).toBeUndefined();
    expect(reg.find('8')).toBeUndefined();
    expect(reg.find(9)).toBeUndefined();
    expect(reg.find(0)).toBeUndefined();
    expect(existsSync(join(dir, '7.json'))).toBe(true);
    expect(reg.list().map((r) => r.jid)).toEqual([a.jid]);
    expect(existsSync(join(dir, '7.json'))).toBe(false);
  });

  it('refuses a supervisor that is not running', () => {
    expect(() => openRegistry(dir).allocate(entry({ supervisorPid: deadPid() }))).toThrow(/not running/);
  });
});

/** Whether a lock on `path` can be taken at once (flock(1) with -n, as another process). */
const lockIsFree = (path: string) => spawnSync('/usr/bin/flock', ['-n', path, '/bin/true']).status === 0;

/** flock(1) holding `path` until killed, once it has it (-o: its command does not hold it too). */
async function holder(path: string) {
  const child = spawn('/usr/bin/flock', ['-o', path, '/bin/sh', '-c', 'echo held; exec sleep 100'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true, // a process group of its own: its sleep is killed with it
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error('flock(1) ended')));
  });
  const kill = () => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {}
  };
  return { child, kill };
}

describe('the lock', () => {
  it('a holder killed while it holds the lock holds nothing: the next allocate takes it at once', async () => {
    const lock = join(dir, '.flock');
    const { child, kill } = await holder(lock);
    expect(lockIsFree(lock)).toBe(false);
    const gone = new Promise((resolve) => child.once('exit', resolve));
    kill();
    await gone;
    const t0 = Date.now();
    expect(openRegistry(dir).allocate(entry()).jid).toBe(1);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(lockIsFree(lock)).toBe(true);
  });

  it('waits for a live holder, then times out, naming it', async () => {
    const lock = join(dir, '.flock');
    const { child, kill } = await holder(lock);
    try {
      const t0 = Date.now();
      expect(() => withLockFile(lock, () => 1, { timeoutMs: 300 })).toThrow(
        new RegExp(`timed out .* \\(held by pid ${child.pid}\\)`),
      );
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    } finally {
      kill();
    }
  });

  it('remove: the file is gone once released; a waiter on a file removed meanwhile locks the new one', async () => {
    const lock = join(dir, '.flock');
    expect(withLockFile(lock, () => existsSync(lock), { remove: true })).toBe(true);
    expect(existsSync(lock)).toBe(false);
    // flock(1) holds the file, then removes it and releases it 0.3 s later, while this process waits.
    const child = spawn(
      '/usr/bin/flock',
      ['-o', lock, '/bin/sh', '-c', `echo old > ${lock}; echo held; sleep 0.3; rm ${lock}`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const seen: string[] = [];
    withLockFile(lock, () => {
      seen.push(existsSync(lock) ? readFileSync(lock, 'utf8') : 'no file at the path');
    });
    expect(seen).toEqual(['']); // once, holding the path's new file, not the one removed under the wait
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(0)));
  });

  it('is released when fn throws, and a lock file of an earlier kind (pid text, O_EXCL) blocks nothing', () => {
    const lock = join(dir, '.flock');
    writeFileSync(lock, `${process.pid} ${processStartTime(process.pid)}`);
    expect(() =>
      withLockFile(lock, () => {
        expect(lockIsFree(lock)).toBe(false);
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(lockIsFree(lock)).toBe(true);
  });
});

describe('concurrent starts', () => {
  const built = fileURLToPath(new URL('../../dist/registry/index.js', import.meta.url));

  it('20 processes allocating at once get 20 distinct JIDs, and one of them a contested name', async () => {
    expect(existsSync(built), `build core first (tsc -b): ${built}`).toBe(true);
    const startAt = Date.now() + 1500;
    const script = `
      import { openRegistry } from ${JSON.stringify(built)};
      const [dir, i, startAt, supervisor] = process.argv.slice(1);
      while (Date.now() < Number(startAt)) {}
      const reg = openRegistry(dir);
      const base = { path: '/j', hostname: 'h', ipv4: ['127.0.0.1'], ipv6: [], flags: {}, emulation: 'linux', supervisorPid: Number(supervisor) };
      const mine = reg.allocate({ ...base, name: 'p' + i });
      let shared = null;
      try { shared = reg.allocate({ ...base, name: 'shared' }).jid; } catch (e) { if (e.code !== 'EJAILNAMEINUSE') throw e; }
      process.stdout.write(JSON.stringify({ mine: mine.jid, shared }));
    `;
    const run = (i: number) =>
      runModuleScript<{ mine: number; shared: number | null }>(script, [
        dir,
        String(i),
        String(startAt),
        String(process.pid),
      ]);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => run(i)));
    const mine = results.map((r) => r.mine);
    expect(new Set(mine).size).toBe(20);
    const shared = results.map((r) => r.shared).filter((s) => s !== null);
    expect(shared.length).toBe(1);
    const all = openRegistry(dir).list();
    expect(all.length).toBe(21);
    expect(new Set(all.map((r) => r.jid)).size).toBe(21);
    expect(new Set(all.map((r) => r.name)).size).toBe(21);
    expect(all.map((r) => r.jid).sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });
});
