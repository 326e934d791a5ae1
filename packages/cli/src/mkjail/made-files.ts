/**
 * What mkjail made in a jail root, so that `mkjail -f` replaces only its own files: `DIR/.mkjail`, one
 * line per object, `sha256:<hex> <path>` for a file or `link:<target> <path>` for a symlink, as it was
 * when mkjail made it. A file that is not listed, or changed since, is someone else's: it is kept.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { JailRoot } from '@sysjail/core';

export const MADE_FILES = '.mkjail';

export type Content = { readonly data: Buffer | string; readonly mode: number } | { readonly link: string };

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const stamp = (c: Content) => ('link' in c ? `link:${c.link}` : sha256(c.data));

/** The most mkjail reads of a file in the root to compare it (a larger one is someone else's). */
const MAX_COMPARED = 1 << 30;

export class MadeFiles {
  private readonly made = new Map<string, string>();
  /** Jail paths left alone: there before, not made by mkjail (or changed since). */
  readonly kept: string[] = [];

  /** Every access goes through `root` (resolved inside it, never followed out). */
  constructor(private readonly root: JailRoot) {
    let text = '';
    try {
      text = root.readFile(MADE_FILES, 16 << 20)?.toString('utf8') ?? '';
    } catch {}
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) this.made.set(line.slice(space + 1), line.slice(0, space));
    }
  }

  /** The stamp of what is at `path` now: its content's hash, a link's target, or undefined. */
  private current(path: string): string | undefined {
    const st = this.root.lstat(path);
    if (!st) return undefined;
    if (st.isSymbolicLink()) return `link:${this.root.readlink(path)}`;
    if (st.isFile()) {
      try {
        return sha256(this.root.readFile(path, MAX_COMPARED) ?? '');
      } catch {
        return 'other';
      }
    }
    return 'other';
  }

  /**
   * Puts `content` at jail path `path` unless something is there that mkjail did not make (then it is
   * kept and listed in `kept`, unless `quiet`). Returns whether `path` now holds `content`.
   */
  place(path: string, content: Content, opts: { quiet?: boolean } = {}): boolean {
    try {
      return this.placeInRoot(path, content, opts);
    } catch (e) {
      // Something in the way inside the root (a link that leads nowhere or loops, a file where a
      // directory belongs): what is there is kept, as any file mkjail did not make.
      if ((e as { code?: string }).code !== 'EJAILFILE' && (e as { code?: string }).code !== 'SYSCALL_FAILED')
        throw e;
      if (!opts.quiet) this.kept.push(path);
      return false;
    }
  }

  private placeInRoot(path: string, content: Content, opts: { quiet?: boolean }): boolean {
    const now = this.current(path);
    const want = stamp(content);
    if (now !== undefined) {
      if (now === want) {
        this.made.set(path, want);
        return true;
      }
      if (this.made.get(path) !== now) {
        if (!opts.quiet) this.kept.push(path);
        return false;
      }
      this.root.unlink(path);
    }
    this.root.makeDirectory(posix.dirname(path), 0o755, { keepExisting: true });
    if ('link' in content) this.root.symlink(path, content.link);
    else this.root.writeFile(path, Buffer.from(content.data), content.mode & 0o7777);
    this.made.set(path, want);
    return true;
  }

  /** Writes the list (mode 0600: it is mkjail's). */
  save(): void {
    const lines = [...this.made].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, s]) => `${s} ${p}\n`);
    this.root.writeFile(MADE_FILES, Buffer.from(lines.join('')), 0o600);
  }
}
