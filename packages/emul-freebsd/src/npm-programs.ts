/**
 * Real FreeBSD programs from the npm registry, for the tests and benchmarks: installed once with
 * `npm install --force` (the FreeBSD packages refuse a Linux host otherwise) into a cache directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The esbuild version whose FreeBSD and Linux builds are compared. */
export const ESBUILD_VERSION = '0.28.2';
export const NGROK_FREEBSD = '@expo/ngrok-bin-freebsd-x64@2.3.41';

const cacheDir = process.env.SYSJAIL_NPM_CACHE ?? join(tmpdir(), 'sysjail-npm-programs');

/** Installs `spec` (name@version) if needed; returns its package directory. */
export function npmPackage(spec: string): string {
  const at = spec.lastIndexOf('@');
  const name = spec.slice(0, at);
  const dir = join(cacheDir, spec.replace(/[/@]/g, '_'));
  const pkg = join(dir, 'node_modules', name);
  if (existsSync(join(pkg, 'package.json'))) return pkg;
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'npm',
    [
      'install',
      '--force',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      dir,
      spec,
    ],
    { stdio: 'pipe', timeout: 300_000 },
  );
  return pkg;
}

/** bin/esbuild of @esbuild/freebsd-x64 (a static Go program, OS/ABI 9). */
export const freebsdEsbuild = () =>
  join(npmPackage(`@esbuild/freebsd-x64@${ESBUILD_VERSION}`), 'bin', 'esbuild');
/** bin/esbuild of @esbuild/linux-x64, the same version. */
export const linuxEsbuild = () => join(npmPackage(`@esbuild/linux-x64@${ESBUILD_VERSION}`), 'bin', 'esbuild');
/** The FreeBSD ngrok 2 binary (Go 1.16: FreeBSD 11's kevent). */
export const freebsdNgrok = () => join(npmPackage(NGROK_FREEBSD), 'ngrok');
