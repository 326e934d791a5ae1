/**
 * A jail root for the integration tests: mkjail into a temp dir, the probe victims (64-bit and i386,
 * static) copied into its /bin, a host directory beside it with a secret file the jail must not reach,
 * and a private sysjail run dir (registry). Everything lives under one temp dir, removed by cleanup().
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProbes } from './probe-build.js';

/** The built cli bins (tsc -b first). */
export const binDir = fileURLToPath(new URL('../../dist/bin/', import.meta.url));
export const jailBin = join(binDir, 'jail.js');

export const SECRET = 'HOST-SECRET-sysjail';

export interface JailFixture {
  readonly base: string;
  /** The jail root (mkjail). */
  readonly root: string;
  /** A host directory outside the root, holding `secret`. */
  readonly outside: string;
  readonly secretPath: string;
  /** SYSJAIL_RUN_DIR of the jails started by this fixture. */
  readonly runDir: string;
  readonly env: NodeJS.ProcessEnv;
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
  const probes = buildProbes();
  copyFileSync(probes.probe64, join(root, 'bin', 'probe64'));
  copyFileSync(probes.probe32, join(root, 'bin', 'probe32'));
  chmodSync(join(root, 'bin', 'probe64'), 0o755);
  chmodSync(join(root, 'bin', 'probe32'), 0o755);
  return {
    base,
    root,
    outside,
    secretPath,
    runDir,
    env: { ...process.env, SYSJAIL_RUN_DIR: runDir, SYSJAIL_LOG_DIR: join(runDir, 'log') },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}
