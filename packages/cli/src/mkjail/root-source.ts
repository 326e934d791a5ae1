/** Where a jail root's files can come from besides busybox: a root-filesystem tarball, or debootstrap. */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RuntimeError } from '../errors.js';

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/**
 * Extracts a root-filesystem tarball (any compression tar recognises) into `dir`, owners and modes as
 * in the archive. Members are never written outside `dir` nor through links the archive makes (GNU
 * tar's default: leading `/` and `..` refused, links to outside delayed); files already in `dir` are
 * kept (--skip-old-files), so -f never overwrites what was there.
 */
export function extractTarball(file: string, dir: string): void {
  if (!existsSync(file)) throw new RuntimeError('TARBALL_NOT_FOUND', `no such tarball: ${file}`);
  const r = spawnSync(
    'tar',
    [
      '--extract',
      '--file',
      file,
      '--directory',
      dir,
      '--skip-old-files',
      '--same-permissions',
      '--numeric-owner',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (r.error) throw new RuntimeError('TAR_FAILED', `cannot run tar: ${r.error.message}`);
  if (r.status !== 0)
    throw new RuntimeError(
      'TAR_FAILED',
      `tar could not extract ${file}: ${r.stderr.trim().split('\n')[0] ?? ''}`,
    );
}

function inPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const d of (env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    try {
      accessSync(join(d, program), constants.X_OK);
      return join(d, program);
    } catch {}
  }
  return undefined;
}

/** Whether the mirror answers for the suite: its Release file, fetched with a short timeout. */
async function mirrorAnswers(mirror: string, suite: string): Promise<string | undefined> {
  const url = `${mirror.replace(/\/+$/, '')}/dists/${suite}/Release`;
  try {
    const r = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    return r.ok ? undefined : `${url}: HTTP ${r.status}`;
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return `${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`;
  }
}

/**
 * A minimal Debian root (`debootstrap --variant=minbase SUITE DIR MIRROR`), or one line saying why not:
 * debootstrap is not installed, or the mirror does not answer for the suite (checked first, so nothing
 * is half-built).
 */
export async function debootstrapRoot(
  suite: string,
  dir: string,
  mirror = DEFAULT_MIRROR,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const debootstrap = inPath('debootstrap', env);
  if (!debootstrap)
    throw new RuntimeError(
      'NO_DEBOOTSTRAP',
      '--debootstrap needs debootstrap(8): apt-get install debootstrap',
    );
  const unreachable = await mirrorAnswers(mirror, suite);
  if (unreachable)
    throw new RuntimeError(
      'MIRROR_UNREACHABLE',
      `mirror not reachable for ${suite} (${unreachable}); no root built`,
    );
  try {
    execFileSync(debootstrap, ['--variant=minbase', suite, dir, mirror], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const text =
      String((e as { stderr?: Buffer }).stderr ?? '')
        .trim()
        .split('\n')
        .at(-1) ?? '';
    throw new RuntimeError('DEBOOTSTRAP_FAILED', `debootstrap ${suite} failed: ${text}`);
  }
}
