/**
 * The jail root sjtest builds in a temp dir: the victims, busybox, mount points, a marker holding a
 * random token, escape symlinks; and beside it, outside the root, the marker the escapes look for.
 *   <base>/root/{sjtest/victim64,sjtest/victim32,sjtest/victim-freebsd,bin/busybox,bin/sh,proc,dev,sys,tmp,etc,.sjtest-root}
 *   <base>/outside/marker
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { VictimBinaries } from './victim-build.js';

export interface JailRoot {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  readonly marker: string;
  readonly token: string;
  /** in-root paths of what exists: victims and busybox */
  readonly victim64?: string;
  readonly victim32?: string;
  readonly victimFreebsd?: string;
  readonly busybox?: string;
  /** removes everything (the root holds no mounts of ours) */
  remove(): void;
}

export function findBusybox(): string | undefined {
  for (const p of ['/bin/busybox', '/usr/bin/busybox', '/usr/lib/busybox/busybox'])
    if (existsSync(p)) return p;
  return undefined;
}

export function buildJailRoot(victims: VictimBinaries, busyboxPath = findBusybox()): JailRoot {
  const base = mkdtempSync(join(tmpdir(), 'sjtest-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const token = `sjtest-${randomBytes(8).toString('hex')}`;
  for (const d of ['proc', 'dev', 'sys', 'tmp', 'etc', 'bin', 'sjtest', 'run', 'var/tmp'])
    mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  mkdirSync(outside);
  const marker = join(outside, 'marker');
  writeFileSync(marker, `${token}\n`);
  writeFileSync(join(root, '.sjtest-root'), `${token}\n`);
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/hostname'), 'sjtest\n');
  // escape links: an absolute host path, and enough ../ to climb out of any root
  symlinkSync(marker, join(root, 'sjtest/link-absolute'));
  symlinkSync(`${'../'.repeat(40)}${relative('/', marker)}`, join(root, 'sjtest/link-relative'));
  const copy = (from: string, to: string): string => {
    copyFileSync(from, join(root, to));
    chmodSync(join(root, to), 0o755);
    return `/${to}`;
  };
  const victim64 = typeof victims.v64 === 'string' ? copy(victims.v64, 'sjtest/victim64') : undefined;
  const victim32 = typeof victims.v32 === 'string' ? copy(victims.v32, 'sjtest/victim32') : undefined;
  const victimFreebsd =
    typeof victims.fbsd === 'string' ? copy(victims.fbsd, 'sjtest/victim-freebsd') : undefined;
  let busybox: string | undefined;
  if (busyboxPath) {
    busybox = copy(busyboxPath, 'bin/busybox');
    symlinkSync('busybox', join(root, 'bin/sh'));
  }
  return {
    base,
    root,
    outside,
    marker,
    token,
    victim64,
    victim32,
    victimFreebsd,
    busybox,
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}
