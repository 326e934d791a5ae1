// Whether a host user other than root can reach a jail path. Jailed root is host root: a setuid file it
// makes in the jail is a setuid-root file on the host, and any host user who can reach it can run it.
// So a jail must lie below a directory that only root can pass through, and every directory from / down
// to that one must be root's and not writable by others (or sticky, as /tmp): otherwise its owner, or
// anyone who may write in it, could move the closed directory away and put an open one in its place.
import { lstatSync } from 'node:fs';
import { posix } from 'node:path';

/** Why host users can reach a jail path, and what would close it. */
export interface PathExposure {
  /** The directory at fault. */
  readonly directory: string;
  readonly reason: string;
  /** A command that fixes it. */
  readonly fix: string;
}

const S_ISVTX = 0o1000;

/**
 * Undefined if no host user but root can reach `path` (absolute, resolved: no symlinks, `.` or `..`),
 * else what is wrong. `path` itself may be what is closed; it need not exist yet (mkjail checks first).
 */
export function jailPathExposure(path: string): PathExposure | undefined {
  const parts = path.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(dir);
    } catch {
      if (i === parts.length) break; // the jail path itself, not made yet
      return { directory: dir, reason: 'cannot be examined', fix: `ls -ld ${dir}` };
    }
    if (st.isSymbolicLink())
      return { directory: dir, reason: 'is a symbolic link', fix: `give the path without links` };
    if (st.uid !== 0)
      return {
        directory: dir,
        reason: `belongs to uid ${st.uid}, who could replace what is below it`,
        fix: `chown root ${dir}`,
      };
    if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0)
      return {
        directory: dir,
        reason: 'may be written by others than root, who could replace what is below it',
        fix: `chmod go-w ${dir}`,
      };
    if ((st.mode & 0o011) === 0) return undefined; // closed: only root passes
  }
  const parent = posix.dirname(path);
  return {
    directory: parent,
    reason:
      'lets every host user through to the jail path: they could run the setuid files that root in the jail makes, as root',
    fix: `chmod 700 ${parent}`,
  };
}

/** One line for people: what is reachable, why, and the fix. */
export function exposureMessage(path: string, e: PathExposure): string {
  return `jail path ${path} is reachable by host users: ${e.directory} ${e.reason} (fix: ${e.fix})`;
}
