import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JailSetupError } from '../errors.js';
import { findCgroup2Mount } from './cgroup2-mount.js';
import { JailCgroup } from './jail-cgroup.js';

const PREFIX = `sjcg-${process.pid}-`;
const made: JailCgroup[] = [];
const children: ChildProcess[] = [];

function create(name: string): JailCgroup {
  const cg = JailCgroup.create(PREFIX + name);
  made.push(cg);
  return cg;
}

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

const exitSignal = (c: ChildProcess) =>
  new Promise<NodeJS.Signals | null>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve(c.signalCode);
    else c.on('exit', (_code, sig) => resolve(sig));
  });

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const cg of made) await cg.destroy();
});

describe('JailCgroup (real cgroup2, as root)', () => {
  it('is created under <cgroup2>/sysjail, once', () => {
    const cg = create('a');
    expect(cg.path).toBe(join(findCgroup2Mount(), 'sysjail', `${PREFIX}a`));
    expect(existsSync(join(cg.path, 'cgroup.procs'))).toBe(true);
    expect(() => JailCgroup.create(`${PREFIX}a`)).toThrow(JailSetupError);
    expect(() => JailCgroup.create('../escape')).toThrow(JailSetupError);
  });

  it('takes processes, lists them, kills them, and goes away', async () => {
    const cg = create('b');
    const a = sleeper();
    const b = sleeper();
    cg.addProcess(a.pid as number);
    cg.addProcess(b.pid as number);
    expect(cg.pids().sort()).toEqual([a.pid, b.pid].sort());
    expect(cg.populated()).toBe(true);
    cg.kill();
    expect(await exitSignal(a)).toBe('SIGKILL');
    expect(await exitSignal(b)).toBe('SIGKILL');
    await cg.destroy();
    expect(existsSync(cg.path)).toBe(false);
    await cg.destroy(); // twice is fine
  });

  it('destroy() of a populated cgroup kills first, then removes', async () => {
    const cg = create('c');
    const a = sleeper();
    cg.addProcess(a.pid as number);
    await cg.destroy();
    expect(await exitSignal(a)).toBe('SIGKILL');
    expect(existsSync(cg.path)).toBe(false);
  });

  it('addProcess of a dead pid is a JailSetupError', () => {
    const cg = create('d');
    expect(() => cg.addProcess(2 ** 22 + 12345)).toThrow(JailSetupError);
  });

  it('cleanupStale removes only empty cgroups with the prefix', async () => {
    const empty = create('stale-empty');
    const busy = create('stale-busy');
    const a = sleeper();
    busy.addProcess(a.pid as number);
    const removed = JailCgroup.cleanupStale(`${PREFIX}stale-`);
    expect(removed).toEqual([empty.path]);
    expect(existsSync(busy.path)).toBe(true);
    await busy.destroy();
    expect(await exitSignal(a)).toBe('SIGKILL');
  });
});
