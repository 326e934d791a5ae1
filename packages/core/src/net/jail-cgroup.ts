/**
 * A jail's own cgroup2 directory, <cgroup2>/sysjail/<name>: processes join it, the address programs
 * attach to it, cgroup.kill ends it. Attached programs live as long as the directory.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JailSetupError } from '../errors.js';
import { findCgroup2Mount } from './cgroup2-mount.js';

export interface JailCgroupOptions {
  /** The cgroup2 mount (default: found in /proc/self/mountinfo). */
  readonly root?: string;
  /** Directory under the root that holds every jail's cgroup (default 'sysjail'). */
  readonly parent?: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,200}$/;
/** The parent the last cgroup of the default root and parent was made in. */
let lastParent: string | undefined;

export class JailCgroup {
  readonly name: string;
  /** Absolute path of the cgroup directory. */
  readonly path: string;

  private constructor(name: string, path: string) {
    this.name = name;
    this.path = path;
  }

  /**
   * Make <root>/<parent>/<name>; fails if it exists already. With the default root and parent, where
   * the last one was made is tried first (one mkdir; reading mountinfo and making the parent cost
   * 0.2-0.3 ms of a start), and looked up again if it is gone.
   */
  static create(name: string, opts: JailCgroupOptions = {}): JailCgroup {
    if (!NAME.test(name) || name === '.' || name === '..') {
      throw new JailSetupError(`bad cgroup name: ${JSON.stringify(name)}`);
    }
    const usual = opts.root === undefined && opts.parent === undefined;
    if (usual && lastParent !== undefined) {
      const path = join(lastParent, name);
      try {
        mkdirSync(path);
        return new JailCgroup(name, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new JailSetupError(`cannot create cgroup ${path}: ${(e as Error).message}`, { cause: e });
        }
        lastParent = undefined;
      }
    }
    const parent = join(opts.root ?? findCgroup2Mount(), opts.parent ?? 'sysjail');
    const path = join(parent, name);
    try {
      mkdirSync(parent, { recursive: true });
      mkdirSync(path);
    } catch (e) {
      throw new JailSetupError(`cannot create cgroup ${path}: ${(e as Error).message}`, { cause: e });
    }
    if (usual) lastParent = parent;
    return new JailCgroup(name, path);
  }

  /** A jail's cgroup made before (a registry record's cgroupPath): it must exist. */
  static at(path: string): JailCgroup {
    if (!existsSync(join(path, 'cgroup.procs'))) throw new JailSetupError(`${path}: not a cgroup`);
    return new JailCgroup(path.slice(path.lastIndexOf('/') + 1), path);
  }

  /** Move a process (all its threads) into the cgroup. */
  addProcess(pid: number): void {
    try {
      writeFileSync(join(this.path, 'cgroup.procs'), `${pid}\n`);
    } catch (e) {
      throw new JailSetupError(`cannot move pid ${pid} into ${this.path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Processes in the cgroup (thread group ids). */
  pids(): number[] {
    return readPids(this.path);
  }

  /** True while a process is in the cgroup (cgroup.events). */
  populated(): boolean {
    return isPopulated(this.path);
  }

  /**
   * Freezes (true) or thaws (false) every process of the jail (cgroup.freeze); freezing waits until the
   * kernel reports the cgroup frozen (cgroup.events) or `deadline` (Date.now() ms) passes: false then.
   */
  freeze(on: boolean, deadline = Date.now() + 2000): boolean {
    writeFileSync(join(this.path, 'cgroup.freeze'), on ? '1\n' : '0\n');
    if (!on) return true;
    const wait = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      if (/^frozen 1$/m.test(readFileSync(join(this.path, 'cgroup.events'), 'utf8'))) return true;
      if (Date.now() >= deadline) return false;
      Atomics.wait(wait, 0, 0, 2);
    }
  }

  /** SIGKILL every process: cgroup.kill when the kernel has it, else each pid. */
  kill(): void {
    killCgroup(this.path);
  }

  /**
   * rmdir; while the cgroup is still populated or busy, kill what is left and retry (dying processes);
   * throws JailSetupError after `timeoutMs`. Attached programs go with the directory.
   */
  async destroy(timeoutMs = 5000): Promise<void> {
    await removeCgroup(this.path, timeoutMs);
  }

  /**
   * Remove the leftovers of earlier runs: cgroups under <root>/<parent> whose name starts with `prefix`
   * and that hold no process. Returns the paths removed.
   */
  static cleanupStale(
    prefix: string,
    opts: JailCgroupOptions = {},
    isStale: (name: string) => boolean = () => true,
  ): string[] {
    const parent = join(opts.root ?? findCgroup2Mount(), opts.parent ?? 'sysjail');
    if (!existsSync(parent)) return [];
    const removed: string[] = [];
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.startsWith(prefix) || !isStale(entry.name)) continue;
      const path = join(parent, entry.name);
      if (isPopulated(path)) continue;
      try {
        rmdirSync(path);
        removed.push(path);
      } catch {
        // Busy (a process joined meanwhile, or child cgroups): left for next time.
      }
    }
    return removed;
  }
}

function readPids(path: string): number[] {
  return readFileSync(join(path, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

function isPopulated(path: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(join(path, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/** This kernel has cgroup.kill (Linux 5.14): seen once, not looked up again. */
let hasCgroupKill = false;

function killCgroup(path: string): void {
  const kill = join(path, 'cgroup.kill');
  if (hasCgroupKill || existsSync(kill)) {
    hasCgroupKill = true;
    writeFileSync(kill, '1\n');
    return;
  }
  for (const pid of readPids(path)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}

/**
 * rmdir at once (a jail's end: its processes are gone, one syscall); while it is populated (EBUSY), its
 * processes are killed and the rmdir tried again.
 */
async function removeCgroup(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      rmdirSync(path);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) {
        throw new JailSetupError(`cannot remove cgroup ${path}: ${(e as Error).message}`, { cause: e });
      }
    }
    try {
      if (isPopulated(path)) killCgroup(path);
    } catch {} // gone meanwhile: the next rmdir says so
    await sleep(delay);
  }
}
