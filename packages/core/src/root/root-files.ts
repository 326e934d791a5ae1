// Host-side access to the files of a jail root. Jailed root is host root and may have planted links,
// FIFOs or devices anywhere in the root before a host tool looks: every path here is resolved inside
// the root by the kernel (openat2 RESOLVE_IN_ROOT: `..` and absolute links stop at the root, magic
// links refused), the last component is never followed where something is written, modes are set on
// the opened fd, files are replaced by rename (never written through), and reads take only regular
// files, opened non-blocking, up to a size bound.
import { closeSync, fchmodSync, fstatSync, readlinkSync, readSync, type Stats, writeSync } from 'node:fs';
import { posix } from 'node:path';
import {
  mkdirat,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_PATH,
  O_RDONLY,
  O_WRONLY,
  open,
  openat,
  openat2,
  RESOLVE_IN_ROOT,
  RESOLVE_NO_MAGICLINKS,
  readlinkat,
  renameat2,
  SyscallError,
  symlinkat,
  unlinkat,
} from '@sysjail/systrace-bindings';
import { JailFileError } from '../errors.js';

const IN_ROOT = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

const errnoOf = (e: unknown) => (e instanceof SyscallError ? e.errnoName : undefined);

/** A jail root opened by the host: its files, as the root's own paths, never followed out of it. */
export class JailRoot {
  /** O_PATH fd of the root directory. */
  readonly fd: number;

  /** `path` is the host path of the root (already resolved; its last component is not followed). */
  constructor(readonly path: string) {
    this.fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** For messages: the host path of a jail path. */
  hostPath(jailPath: string): string {
    return posix.join(this.path, jailPath);
  }

  /** openat2 inside the root (retried on EAGAIN, which a concurrent rename can cause). */
  open(jailPath: string, flags: number, mode = 0): number {
    for (let tries = 0; ; tries++) {
      try {
        return openat2(this.fd, relative(jailPath), flags | O_CLOEXEC, mode, IN_ROOT);
      } catch (e) {
        if (errnoOf(e) !== 'EAGAIN' || tries >= 16) throw e;
      }
    }
  }

  /**
   * A regular file's content, at most `maxBytes`; undefined if there is nothing at `jailPath`. A FIFO,
   * device, directory or socket, or a larger file, is an error (opened non-blocking: nothing waits).
   */
  readFile(jailPath: string, maxBytes: number): Buffer | undefined {
    let fd: number;
    try {
      fd = this.open(jailPath, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return undefined;
      throw new JailFileError(this.hostPath(jailPath), `cannot open (${errnoOf(e) ?? String(e)})`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new JailFileError(this.hostPath(jailPath), 'not a regular file');
      const buf = Buffer.alloc(maxBytes + 1);
      let n = 0;
      for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
      if (n > maxBytes) throw new JailFileError(this.hostPath(jailPath), `larger than ${maxBytes} bytes`);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }

  /** What is at `jailPath`, a link not followed (lstat); undefined if nothing. */
  lstat(jailPath: string): Stats | undefined {
    let parent: { dir: number; name: string };
    try {
      parent = this.parent(jailPath);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return undefined;
      throw e;
    }
    const { dir, name } = parent;
    try {
      const fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      try {
        return fstatSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return undefined;
      throw e;
    } finally {
      closeSync(dir);
    }
  }

  /** The target of the symlink at `jailPath` (not followed). */
  readlink(jailPath: string): string {
    const { dir, name } = this.parent(jailPath);
    try {
      return readlinkat(dir, name);
    } finally {
      closeSync(dir);
    }
  }

  /** Removes what is at `jailPath` (a link itself, never its target); not a directory. */
  unlink(jailPath: string): void {
    const { dir, name } = this.parent(jailPath);
    try {
      unlinkat(dir, name);
    } finally {
      closeSync(dir);
    }
  }

  /** Is there anything (a link included, not followed) at `jailPath`? */
  exists(jailPath: string): boolean {
    let parent: { dir: number; name: string };
    try {
      parent = this.parent(jailPath);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return false;
      if (errnoOf(e) === 'ELOOP') return true; // links in the way that loop: something is there
      throw e;
    }
    const { dir, name } = parent;
    try {
      closeSync(openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
      return true;
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return false;
      throw e;
    } finally {
      closeSync(dir);
    }
  }

  /**
   * mkdir -p inside the root: missing directories are made with mode 0755, the last one gets `mode`
   * (set on its fd). With `keepExisting`, an existing directory keeps its mode and a link in the way is
   * kept (followed inside the root); without, such a link is replaced by the directory. A symlink where a directory belongs is replaced by the directory; anything else
   * that is not a directory is an error.
   */
  makeDirectory(jailPath: string, mode: number, opts: { keepExisting?: boolean } = {}): void {
    const parts = relative(jailPath)
      .split('/')
      .filter((p) => p !== '' && p !== '.');
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const { dir, name } = this.parent(parts.slice(0, i + 1).join('/'));
      try {
        let fd = tryOpenDirectory(dir, name);
        if (fd === 'link' && opts.keepExisting) {
          // Someone's link: kept, followed only inside the root.
          closeSync(this.open(parts.slice(0, i + 1).join('/'), O_PATH | O_DIRECTORY));
          continue;
        }
        if (fd === 'link') {
          unlinkat(dir, name);
          fd = undefined;
        }
        let made = false;
        if (fd === undefined) {
          mkdirat(dir, name, 0o755);
          made = true;
          fd = tryOpenDirectory(dir, name);
        }
        if (typeof fd !== 'number')
          throw new JailFileError(this.hostPath(parts.slice(0, i + 1).join('/')), 'not a directory');
        try {
          // Modes are set on the fd, whatever the umask.
          if (last && (made || !opts.keepExisting)) fchmodSync(fd, mode);
          else if (made) fchmodSync(fd, 0o755);
        } finally {
          closeSync(fd);
        }
      } finally {
        closeSync(dir);
      }
    }
  }

  /**
   * Puts `data` at `jailPath` with `mode`: written to a new file beside it, then renamed over whatever
   * is there (a link is replaced, never written through). The parent directories must exist.
   */
  writeFile(jailPath: string, data: Uint8Array, mode: number): void {
    const { dir, name } = this.parent(jailPath);
    const temp = `.${name}.sysjail-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      const fd = openat(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600);
      try {
        for (let n = 0; n < data.byteLength; ) n += writeSync(fd, data, n, data.byteLength - n);
        fchmodSync(fd, mode);
      } catch (e) {
        unlinkat(dir, temp);
        throw e;
      } finally {
        closeSync(fd);
      }
      try {
        renameat2(dir, temp, dir, name);
      } catch (e) {
        unlinkat(dir, temp);
        throw new JailFileError(this.hostPath(jailPath), `cannot replace (${errnoOf(e) ?? String(e)})`);
      }
    } finally {
      closeSync(dir);
    }
  }

  /** A symlink at `jailPath` to `target`, unless something is there already. Returns whether it made one. */
  symlink(jailPath: string, target: string): boolean {
    const { dir, name } = this.parent(jailPath);
    try {
      symlinkat(target, dir, name);
      return true;
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') return false;
      throw e;
    } finally {
      closeSync(dir);
    }
  }

  /**
   * mkdir(2) of one directory inside the root, for a listener that performs the call on its copy: the
   * parent is opened inside the root once, `allowIn` is asked with the parent's path as the root sees it
   * (after links: a link cannot lead the directory elsewhere than what was asked), and the directory is
   * made in that parent (EEXIST if something is there; the last component is never followed).
   * Returns false if `allowIn` refused; kernel errors are thrown (SyscallError).
   */
  mkdir(jailPath: string, mode: number, allowIn: (parent: string) => boolean = () => true): boolean {
    const { dir, name } = this.parent(jailPath);
    try {
      const host = readlinkSync(`/proc/self/fd/${dir}`);
      const rootHost = readlinkSync(`/proc/self/fd/${this.fd}`);
      const inRoot =
        host === rootHost ? '/' : host.startsWith(`${rootHost}/`) ? host.slice(rootHost.length) : undefined;
      if (inRoot === undefined || !allowIn(inRoot)) return false;
      mkdirat(dir, name, mode);
      return true;
    } finally {
      closeSync(dir);
    }
  }

  /** The directory that holds `jailPath` (opened inside the root) and its last component. */
  private parent(jailPath: string): { dir: number; name: string } {
    const rel = relative(jailPath);
    const name = posix.basename(rel);
    if (name === '' || name === '.' || name === '..')
      throw new JailFileError(this.hostPath(jailPath), 'not a file name');
    const dir = this.open(posix.dirname(rel), O_PATH | O_DIRECTORY);
    return { dir, name };
  }
}

/** A jail path without its leading slashes (openat2 takes an absolute one as the root anyway). */
function relative(jailPath: string): string {
  const rel = posix.normalize(`/${jailPath}`).replace(/^\/+/, '');
  return rel === '' ? '.' : rel;
}

/** The directory `name` in `dir` opened (never through a link); 'link' if a symlink is there. */
function tryOpenDirectory(dir: number, name: string): number | 'link' | 'other' | undefined {
  try {
    return openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === 'ENOENT') return undefined;
    if (errno !== 'ELOOP' && errno !== 'ENOTDIR') throw e;
  }
  const fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  try {
    return fstatSync(fd).isSymbolicLink() ? 'link' : 'other';
  } finally {
    closeSync(fd);
  }
}
