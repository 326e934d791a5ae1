/**
 * What mkjail made in a jail root, so that `mkjail -f` replaces only its own files: `DIR/.mkjail`, one
 * line per object, `sha256:<hex> <path>` for a file or `link:<target> <path>` for a symlink, as it was
 * when mkjail made it. A file that is not listed, or changed since, is someone else's: it is kept.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export const MADE_FILES = '.mkjail';

export type Content = { readonly data: Buffer | string; readonly mode: number } | { readonly link: string };

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const stamp = (c: Content) => ('link' in c ? `link:${c.link}` : sha256(c.data));

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

export class MadeFiles {
  private readonly made = new Map<string, string>();
  /** Jail paths left alone: there before, not made by mkjail (or changed since). */
  readonly kept: string[] = [];

  constructor(private readonly dir: string) {
    let text = '';
    try {
      text = readFileSync(join(dir, MADE_FILES), 'utf8');
    } catch {}
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) this.made.set(line.slice(space + 1), line.slice(0, space));
    }
  }

  /** The stamp of what is at `path` now: its content's hash, a link's target, or undefined. */
  private current(target: string): string | undefined {
    const st = lstatOrUndefined(target);
    if (!st) return undefined;
    if (st.isSymbolicLink()) return `link:${readlinkSync(target)}`;
    if (st.isFile()) return sha256(readFileSync(target));
    return 'other';
  }

  /**
   * Puts `content` at jail path `path` unless something is there that mkjail did not make (then it is
   * kept and listed in `kept`, unless `quiet`). Returns whether `path` now holds `content`.
   */
  place(path: string, content: Content, opts: { quiet?: boolean } = {}): boolean {
    const target = join(this.dir, path);
    const now = this.current(target);
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
      unlinkSync(target);
    }
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    if ('link' in content) symlinkSync(content.link, target);
    else {
      // 'wx': create only, never through a link planted since the check.
      writeFileSync(target, content.data, { flag: 'wx', mode: content.mode & 0o777 });
      chmodSync(target, content.mode & 0o7777);
    }
    this.made.set(path, want);
    return true;
  }

  /** Writes the list (mode 0600: it is mkjail's). */
  save(): void {
    const lines = [...this.made].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, s]) => `${s} ${p}\n`);
    const file = join(this.dir, MADE_FILES);
    if (lstatOrUndefined(file)) unlinkSync(file);
    writeFileSync(file, lines.join(''), { flag: 'wx', mode: 0o600 });
  }
}
