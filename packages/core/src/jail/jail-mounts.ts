/**
 * Host directories and file systems in a jail: bind mounts (FreeBSD's nullfs), tmpfs, and fstab(5)
 * lines as jail.conf's mount.fstab and mount parameters give them. The mounts are made in the jail's
 * own mount namespace before pivot_root, each destination resolved inside the jail root (no symlink
 * leads out), and vanish with the namespace.
 */
import { statSync } from 'node:fs';
import { isAbsolute, normalize, relative } from 'node:path';
import type { SetupOp } from '@sysjail/systrace-bindings';
import { PrisonConfigError } from '../errors.js';

export type JailMount =
  /** nullfs: the host path `source` at `target` (a path inside the jail). */
  | { readonly kind: 'bind'; readonly source: string; readonly target: string; readonly readonly: boolean }
  /** A tmpfs at `target`; `size` as tmpfs takes it (`64m`), `mode` octal. */
  | {
      readonly kind: 'tmpfs';
      readonly target: string;
      readonly readonly: boolean;
      readonly size?: string;
      readonly mode?: string;
    };

/** Checks a mount: absolute paths, an existing host source, tmpfs options of the right form. */
export function checkJailMount(m: JailMount): void {
  if (!isAbsolute(m.target))
    throw new PrisonConfigError(`${m.target}: a mount point is a path inside the jail, from /`);
  if (normalize(m.target) === '/') throw new PrisonConfigError('/: the jail root cannot be a mount point');
  if (m.kind === 'bind') {
    if (!isAbsolute(m.source)) throw new PrisonConfigError(`${m.source}: not an absolute path`);
    try {
      statSync(m.source);
    } catch {
      throw new PrisonConfigError(`${m.source}: no such file or directory`);
    }
  } else {
    if (m.size !== undefined && !/^[0-9]+[kmg%]?$/i.test(m.size))
      throw new PrisonConfigError(`tmpfs size=${m.size}: bad size`);
    if (m.mode !== undefined && !/^[0-7]{3,4}$/.test(m.mode))
      throw new PrisonConfigError(`tmpfs mode=${m.mode}: bad mode`);
  }
}

/** The launcher's ops for the jail's mounts, in order (after the root is bound, before pivot_root). */
export function mountOps(root: string, mounts: readonly JailMount[]): SetupOp[] {
  return mounts.map((m) =>
    m.kind === 'bind'
      ? { op: 'bindInRoot', source: m.source, root, target: m.target, readonly: m.readonly }
      : {
          op: 'tmpfsInRoot',
          root,
          target: m.target,
          readonly: m.readonly,
          options: {
            ...(m.size === undefined ? {} : { size: m.size }),
            mode: m.mode ?? '755',
          },
        },
  );
}

const FSTAB_OPTIONS = new Set(['ro', 'rw', 'late', 'noauto', 'nosuid', 'nodev', 'noatime', 'noexec']);

/**
 * One fstab(5) line as FreeBSD's mount.fstab has it (`/srv/www /jails/www/usr/local/www nullfs ro 0 0`):
 * the mount point is a host path under the jail's root. nullfs is a bind mount, tmpfs a tmpfs; devfs
 * is the jail's /dev (mounted by default: only `/dev` is accepted); other types are refused by name.
 * Returns undefined for a blank or comment line, and for devfs (already there).
 */
export function parseFstabLine(line: string, jailRoot: string): JailMount | undefined {
  const text = line.replace(/#.*$/, '').trim();
  if (text === '') return undefined;
  const fields = text.split(/\s+/);
  if (fields.length < 3 || fields.length > 6)
    throw new PrisonConfigError(`fstab: "${text}": expected device mountpoint type [options [dump [pass]]]`);
  const [source, mountPoint, type, options = 'rw'] = fields;
  const rel = relative(jailRoot, mountPoint);
  if (!isAbsolute(mountPoint) || rel.startsWith('..') || isAbsolute(rel)) {
    throw new PrisonConfigError(
      `fstab: ${mountPoint}: the mount point must be inside the jail (${jailRoot})`,
    );
  }
  const target = `/${rel}`;
  let readonly = false;
  let size: string | undefined;
  let mode: string | undefined;
  for (const o of options.split(',')) {
    if (o === 'ro') readonly = true;
    else if (o === 'rw') readonly = false;
    else if (type === 'tmpfs' && o.startsWith('size=')) size = o.slice(5);
    else if (type === 'tmpfs' && o.startsWith('mode=')) mode = o.slice(5);
    else if (!FSTAB_OPTIONS.has(o)) throw new PrisonConfigError(`fstab: option "${o}" is not supported`);
  }
  let mount: JailMount;
  switch (type) {
    case 'nullfs':
      mount = { kind: 'bind', source, target, readonly };
      break;
    case 'tmpfs':
      mount = {
        kind: 'tmpfs',
        target,
        readonly,
        ...(size === undefined ? {} : { size }),
        ...(mode === undefined ? {} : { mode }),
      };
      break;
    case 'devfs':
      if (target !== '/dev')
        throw new PrisonConfigError(`fstab: devfs is mounted at the jail's /dev only (mount.devfs)`);
      return undefined;
    default:
      throw new PrisonConfigError(
        `fstab: file system type "${type}" is not supported (nullfs, tmpfs, devfs)`,
      );
  }
  checkJailMount(mount);
  return mount;
}

/** A whole fstab text (mount.fstab's file). */
export function parseFstab(text: string, jailRoot: string): JailMount[] {
  return text.split('\n').flatMap((l) => {
    const m = parseFstabLine(l, jailRoot);
    return m ? [m] : [];
  });
}
