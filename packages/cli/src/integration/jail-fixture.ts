/**
 * The jail root of the cli's integration tests: mkjail into a temp dir, with the victims in its /bin
 * (probe64 and probe32, static 64-bit and i386; victim, the lifecycle victim; stdio-attack), a host
 * directory beside it with a secret file the jail must not reach, and a private sysjail run dir
 * (SYSJAIL_RUN_DIR: registry, counters, logs). cleanup() kills the jails still registered there (by
 * their recorded pids, start times checked), then removes the temp dir.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSameProcess, openRegistry, type Registry } from '@sysjail/core';
import { buildProbes, buildVictim } from './victim-build.js';

/** The built cli bins (tsc -b first). */
export const binDir = fileURLToPath(new URL('../../dist/bin/', import.meta.url));
export const jailBin = join(binDir, 'jail.js');

export const SECRET = 'HOST-SECRET-sysjail';

export interface JailFixture {
  readonly base: string;
  /** The jail root (mkjail), with the victims in /bin. */
  readonly root: string;
  /** A host directory outside the root, holding `secret`. */
  readonly outside: string;
  readonly secretPath: string;
  /** SYSJAIL_RUN_DIR of the jails started by this fixture. */
  readonly runDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The registry the cli writes to (SYSJAIL_RUN_DIR/jails). */
  registry(): Registry;
  cleanup(): void;
}

export function makeJailFixture(prefix: string): JailFixture {
  const base = mkdtempSync(join(tmpdir(), `sysjail-it-${prefix}-`));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const runDir = join(base, 'run');
  mkdirSync(outside);
  mkdirSync(runDir);
  const secretPath = join(outside, 'secret');
  writeFileSync(secretPath, `${SECRET}\n`);
  execFileSync(process.execPath, [join(binDir, 'mkjail.js'), root], { stdio: 'pipe' });
  const { probe64, probe32 } = buildProbes();
  const victims = {
    probe64,
    probe32,
    victim: buildVictim('integration/victims/lifecycle-victim.c'),
    'stdio-attack': buildVictim('integration/victims/stdio-attack.c'),
  };
  for (const [name, built] of Object.entries(victims)) {
    copyFileSync(built, join(root, 'bin', name));
    chmodSync(join(root, 'bin', name), 0o755);
  }
  const registry = () => openRegistry(join(runDir, 'jails'));
  return {
    base,
    root,
    outside,
    secretPath,
    runDir,
    env: { ...process.env, SYSJAIL_RUN_DIR: runDir, SYSJAIL_LOG_DIR: join(runDir, 'log') },
    registry,
    cleanup: () => {
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

/** How the jail command supervises its jail (it serves one-shot jails in its own thread by default). */
export const SUPERVISION_MODES = ['thread', 'worker'] as const;

/** The fixture, with the jail command's supervision forced to `mode` (SYSJAIL_SUPERVISION). */
export function supervisedBy(fx: JailFixture, mode: (typeof SUPERVISION_MODES)[number]): JailFixture {
  return { ...fx, env: { ...fx.env, SYSJAIL_SUPERVISION: mode } };
}
