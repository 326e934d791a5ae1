import { execFileSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import {
  BinaryNotFoundError,
  BusyboxNotFoundError,
  DirectoryNotEmptyError,
  NotAJailRootError,
} from '../errors.js';
import { etcFiles, jailDirectories } from './etc-files.js';
import type { MkjailConfig } from './mkjail-config.js';
import { sharedLibraries } from './shared-libraries.js';

/** Debian's busybox-static. */
export const DEFAULT_BUSYBOX = '/bin/busybox';

export interface BuildOptions extends MkjailConfig {
  readonly busybox?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** What was put in the jail root. */
export interface JailRootSummary {
  readonly dir: string;
  /** Applet links made (jail paths). */
  readonly applets: readonly string[];
  /** Host files copied (jail paths): binaries and their libraries. */
  readonly copied: readonly string[];
}

/** A binary by path or by name on $PATH. */
export function findBinary(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = name.includes('/')
    ? [name]
    : (env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      if (!isAbsolute(c)) continue;
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {}
  }
  throw new BinaryNotFoundError(name);
}

/** Puts a host file at the same path under `dir` (its content, through symlinks), replacing what is there. */
function copyIn(dir: string, hostPath: string): string {
  const target = join(dir, hostPath);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  // Never write through a link (an applet link would make this overwrite busybox).
  if (lstatOrUndefined(target)) unlinkSync(target);
  copyFileSync(realpathSync(hostPath), target);
  chmodSync(target, statSync(hostPath).mode & 0o7777);
  return hostPath;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Builds a small working jail root in `dir`: the usual directories, a static busybox with its applet
 * links, /etc/passwd, /etc/group, /etc/hosts, and host binaries with their shared libraries (-b).
 * Refuses a non-empty directory unless `force`.
 */
export function buildJailRoot(opts: BuildOptions): JailRootSummary {
  const { dir } = opts;
  const busybox = opts.busybox ?? DEFAULT_BUSYBOX;
  const binaries = opts.binaries.map((b) => findBinary(b, opts.env));
  if (!existsSync(busybox)) throw new BusyboxNotFoundError(busybox);
  const st = lstatOrUndefined(dir);
  if (st && !st.isDirectory()) throw new NotAJailRootError(dir);
  if (st && !opts.force && readdirSync(dir).length > 0) throw new DirectoryNotEmptyError(dir);

  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [d, mode] of jailDirectories) {
    mkdirSync(join(dir, d), { recursive: true });
    chmodSync(join(dir, d), mode);
  }
  for (const [name, text] of Object.entries(etcFiles)) {
    writeFileSync(join(dir, 'etc', name), text, { mode: 0o644 });
  }

  const copied: string[] = [];
  copied.push(...copyWithLibraries(dir, busybox, '/bin/busybox'));
  const applets: string[] = [];
  const list = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' });
  for (const rel of list.split('\n').filter(Boolean)) {
    if (rel === 'bin/busybox' || rel === 'linuxrc') continue;
    const link = join(dir, rel);
    if (lstatOrUndefined(link)) continue;
    mkdirSync(dirname(link), { recursive: true, mode: 0o755 });
    symlinkSync('/bin/busybox', link);
    applets.push(`/${rel}`);
  }
  for (const b of binaries) copied.push(...copyWithLibraries(dir, b, b));
  return { dir, applets, copied: [...new Set(copied)] };
}

/** Copies a binary to `jailPath` and every library it loads to the library's own path. */
function copyWithLibraries(dir: string, hostPath: string, jailPath: string): string[] {
  const out: string[] = [];
  const target = join(dir, jailPath);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  if (lstatOrUndefined(target)) unlinkSync(target);
  copyFileSync(realpathSync(hostPath), target);
  chmodSync(target, statSync(hostPath).mode & 0o7777);
  out.push(jailPath);
  for (const lib of sharedLibraries(hostPath)) out.push(copyIn(dir, lib));
  return out;
}
