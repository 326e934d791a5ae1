/**
 * A jail root for the lifecycle tests: mkjail into a temp dir, the victim copied to /bin/victim, and a
 * private sysjail run dir (SYSJAIL_RUN_DIR: registry, counters). cleanup() stops the jails still
 * registered there (by their recorded pids, start times checked), then removes the temp dir.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSameProcess, openRegistry, type Registry } from '@sysjail/core';
import { buildLifecycleVictim } from './victim-build.js';

/** The built cli bins (tsc -b first). */
export const binDir = fileURLToPath(new URL('../../dist/bin/', import.meta.url));

export interface LifecycleFixture {
  readonly base: string;
  /** The jail root (mkjail), with /bin/victim. */
  readonly root: string;
  readonly runDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The registry the cli writes to (SYSJAIL_RUN_DIR/jails). */
  registry(): Registry;
  cleanup(): Promise<void>;
}

export function makeLifecycleFixture(prefix: string): LifecycleFixture {
  const base = mkdtempSync(join(tmpdir(), `sysjail-lc-${prefix}-`));
  const root = join(base, 'root');
  const runDir = join(base, 'run');
  mkdirSync(runDir);
  execFileSync(process.execPath, [join(binDir, 'mkjail.js'), root], { stdio: 'pipe' });
  copyFileSync(buildLifecycleVictim(), join(root, 'bin', 'victim'));
  chmodSync(join(root, 'bin', 'victim'), 0o755);
  const registry = () => openRegistry(join(runDir, 'jails'));
  return {
    base,
    root,
    runDir,
    env: { ...process.env, SYSJAIL_RUN_DIR: runDir, SYSJAIL_LOG_DIR: join(runDir, 'log') },
    registry,
    cleanup: async () => {
      for (const r of registry().list()) {
        if (isSameProcess(r.supervisorPid, r.supervisorStartTime)) process.kill(r.supervisorPid, 'SIGKILL');
        if (r.initPid !== undefined && isSameProcess(r.initPid, r.initStartTime))
          process.kill(r.initPid, 'SIGKILL');
      }
      try {
        execFileSync('chattr', ['-i', join(root, 'tmp', 'chflags-probe')], { stdio: 'ignore' });
      } catch {}
      rmSync(base, { recursive: true, force: true });
    },
  };
}
