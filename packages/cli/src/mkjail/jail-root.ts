import { execFileSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, relative } from 'node:path';
import { exposureMessage, JailRoot, jailPathExposure } from '@sysjail/core';
import {
  BinaryNotFoundError,
  BusyboxNotFoundError,
  DirectoryNotEmptyError,
  HostToolNeedsEmptyDirectoryError,
  JailPathReachableError,
  NotAJailRootError,
  RuntimeError,
} from '../errors.js';
import { etcFiles, jailDirectories } from './etc-files.js';
import { interpreterNeeds, scriptInterpreter } from './interpreters.js';
import { MADE_FILES, MadeFiles } from './made-files.js';
import type { MkjailConfig } from './mkjail-config.js';
import { extractTarball } from './root-source.js';
import { sharedLibraries } from './shared-libraries.js';

/** Debian's busybox-static. */
export const DEFAULT_BUSYBOX = '/bin/busybox';

export interface BuildOptions extends MkjailConfig {
  readonly busybox?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The root's files are already there (debootstrap made them): add only directories and -b. */
  readonly prepared?: boolean;
}

/** What was put in the jail root. */
export interface JailRootSummary {
  readonly dir: string;
  /** Applet links made (jail paths). */
  readonly applets: readonly string[];
  /** Host files copied (jail paths): binaries and their libraries. */
  readonly copied: readonly string[];
  /** Files that were there, not made by mkjail (or changed since): left as they were. */
  readonly kept: readonly string[];
  /** What mkjail could not provide (an interpreter whose library files it does not know). */
  readonly warnings: readonly string[];
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

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses a directory that is the host's root however it is named (`/`, `/..`, `/proc/1/root`, a bind
 * mount of it): a jail root there would be the host itself. Checked on the path's nearest existing
 * ancestor (resolved) and, if it exists, on the directory's device and inode.
 */
export function checkNotHostRoot(dir: string): void {
  const refuse = () => {
    throw new RuntimeError(
      'HOST_ROOT',
      `${dir} is the host's root directory: refusing to build a jail root there`,
    );
  };
  let existing = dir;
  while (!lstatOrUndefined(existing) && existing !== dirname(existing)) existing = dirname(existing);
  try {
    if (join(realpathSync(existing), relative(existing, dir)) === '/') refuse();
    const target = statSync(dir);
    const root = statSync('/');
    if (target.dev === root.dev && target.ino === root.ino) refuse();
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    // Not resolvable or not there (yet): not the root; building says why it cannot go on.
  }
}

/**
 * Builds a small working jail root in `dir`: the usual directories, a static busybox with its applet
 * links, /etc/passwd, /etc/group, /etc/hosts (or the files of a root-filesystem tarball, or those
 * debootstrap made), and host binaries with their shared libraries (-b). Refuses the host's root, and a
 * non-empty directory unless `force`; even then it replaces only files it made itself (listed in
 * `DIR/.mkjail`): anything else there is kept.
 */
export function buildJailRoot(opts: BuildOptions): JailRootSummary {
  checkNotHostRoot(opts.dir);
  // Missing parents are made root-only; a directory host users can reach is refused (jailPathExposure).
  mkdirSync(dirname(opts.dir), { recursive: true, mode: 0o700 });
  const dir = join(realpathSync(dirname(opts.dir)), basename(opts.dir));
  const exposure = jailPathExposure(dir);
  if (exposure) throw new JailPathReachableError(exposureMessage(dir, exposure));
  const busybox = opts.busybox ?? DEFAULT_BUSYBOX;
  const binaries = opts.binaries.map((b) => findBinary(b, opts.env));
  const fromBusybox = !opts.prepared && opts.fromTar === undefined;
  if (fromBusybox && !existsSync(busybox)) throw new BusyboxNotFoundError(busybox);
  const st = lstatOrUndefined(dir);
  if (st && !st.isDirectory()) throw new NotAJailRootError(dir);
  if (st && !opts.force && !opts.prepared && readdirSync(dir).length > 0)
    throw new DirectoryNotEmptyError(dir);

  if (!st) {
    mkdirSync(dir);
    chmodSync(dir, 0o755); // whatever the umask (just made, below a root-only directory)
  }
  if (opts.fromTar !== undefined) {
    // tar follows links already in the directory (a jail's, with -f): only a new or empty one.
    if (st && readdirSync(dir).length > 0) throw new HostToolNeedsEmptyDirectoryError(dir, '--from-tar');
    extractTarball(opts.fromTar, dir);
  }
  // Inside the root, everything goes through core's JailRoot: links planted there by a jail are never
  // followed out of it.
  const root = new JailRoot(dir);
  try {
    return build(dir, root, busybox, binaries, fromBusybox);
  } finally {
    root.close();
  }
}

function build(
  dir: string,
  root: JailRoot,
  busybox: string,
  binaries: readonly string[],
  fromBusybox: boolean,
): JailRootSummary {
  const made = new MadeFiles(root);
  for (const [d, mode] of jailDirectories) {
    if (root.exists(d)) continue; // someone's directory (or link): its mode is theirs
    root.makeDirectory(d, mode, { keepExisting: true });
  }
  const copied: string[] = [];
  const applets: string[] = [];
  const warnings: string[] = [];
  if (fromBusybox) {
    for (const [name, text] of Object.entries(etcFiles))
      made.place(`/etc/${name}`, { data: text, mode: 0o644 });
    copied.push(...copyWithLibraries(made, busybox, '/bin/busybox'));
    const list = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' });
    for (const rel of list.split('\n').filter(Boolean)) {
      if (rel === 'bin/busybox' || rel === 'linuxrc') continue;
      const existed = root.exists(rel);
      if (made.place(`/${rel}`, { link: '/bin/busybox' }, { quiet: true }) && !existed)
        applets.push(`/${rel}`);
    }
  }
  for (const b of binaries) copied.push(...copyBinary(made, b, warnings));
  made.save();
  return { dir, applets, copied: [...new Set(copied)], kept: made.kept, warnings };
}

/** A host file's content and mode, as mkjail places it (through symlinks: the file itself). */
function hostFile(hostPath: string) {
  return { data: readFileSync(realpathSync(hostPath)), mode: statSync(hostPath).mode & 0o7777 };
}

/** Copies a binary to `jailPath` and every library it loads to the library's own path. */
function copyWithLibraries(made: MadeFiles, hostPath: string, jailPath: string): string[] {
  const out: string[] = [];
  if (made.place(jailPath, hostFile(hostPath))) out.push(jailPath);
  for (const lib of sharedLibraries(hostPath)) if (made.place(lib, hostFile(lib))) out.push(lib);
  return out;
}

/**
 * -b: a binary with its libraries; a script with its interpreter; an interpreter with its library
 * directories (Python's standard library, Perl's @INC) and the libraries of the modules in them. An
 * interpreter mkjail does not know is copied with a warning that its library files are not.
 */
function copyBinary(made: MadeFiles, hostPath: string, warnings: string[], depth = 0): string[] {
  const script = scriptInterpreter(hostPath);
  if (script !== undefined) {
    const out: string[] = [];
    if (made.place(hostPath, hostFile(hostPath))) out.push(hostPath);
    if (depth < 4 && existsSync(script)) out.push(...copyBinary(made, script, warnings, depth + 1));
    else warnings.push(`${hostPath}: its interpreter ${script} is not on the host: not copied`);
    return out;
  }
  const out = copyWithLibraries(made, hostPath, hostPath);
  const needs = interpreterNeeds(hostPath);
  if (needs.kind === 'unknown')
    warnings.push(`${hostPath} is a ${needs.interpreter} interpreter: its library files are not copied`);
  if (needs.kind === 'dirs') for (const d of needs.dirs) out.push(...copyTree(made, d));
  return out;
}

/** Every regular file and symlink under a host directory, at the same paths; and the libraries of its .so files. */
function copyTree(made: MadeFiles, hostDir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(hostDir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) {
      const target = readLink(path);
      if (target !== undefined && made.place(path, { link: target })) out.push(path);
    } else if (entry.isFile()) {
      if (made.place(path, hostFile(path))) out.push(path);
      if (/\.so(\.|$)/.test(entry.name))
        for (const lib of sharedLibrariesOrNone(path)) if (made.place(lib, hostFile(lib))) out.push(lib);
    }
  }
  return out;
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function sharedLibrariesOrNone(path: string): string[] {
  try {
    return sharedLibraries(path);
  } catch {
    return [];
  }
}

export { MADE_FILES };
