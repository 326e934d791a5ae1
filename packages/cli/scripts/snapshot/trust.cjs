'use strict';
// Whether a tool's startup snapshot may run (copied to dist/bundle/snapshot-trust.cjs by bundle.mjs). A
// blob is code that runs as host root: its directory must be root's alone (owned by root, mode 0700, no
// symlink) below directories only root can change, and the blob a regular file of root's, mode 0600,
// one link, the very file the bin opened.
const { fstatSync, lstatSync, realpathSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

/** The snapshot directory: SYSJAIL_SNAPSHOT_DIR, else `<cli package>/snapshot` (`cliDir`: a real path). */
function snapshotDir(cliDir, env = process.env) {
  return resolve(env.SYSJAIL_SNAPSHOT_DIR || join(cliDir, 'snapshot'));
}

/** Why `dir` (absolute) cannot hold snapshots, or undefined. A path through a symlink is refused. */
function untrustedDir(dir) {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (st === undefined) return `${dir}: missing`;
  if (realpathSync(dir) !== dir) return `${dir}: not a real path (a symlink in it)`;
  if (!st.isDirectory()) return `${dir}: not a directory`;
  if (st.uid !== 0) return `${dir}: not owned by root`;
  if ((st.mode & 0o077) !== 0) return `${dir}: open to group or others (mode ${(st.mode & 0o777).toString(8)})`;
  for (let d = dirname(dir); ; d = dirname(d)) {
    const a = lstatSync(d);
    if (!a.isDirectory()) return `${d}: not a directory`;
    if (a.uid !== 0) return `${d}: not owned by root`;
    // Writable by others only with the sticky bit (/tmp): nobody else can rename what root put there.
    if ((a.mode & 0o022) !== 0 && (a.mode & 0o1000) === 0) return `${d}: writable by group or others`;
    if (d === dirname(d)) return undefined;
  }
}

/** Why the file `st` describes is not a blob as the builder writes them, or undefined. */
function untrustedFile(st) {
  if (!st.isFile()) return 'not a regular file';
  if (st.uid !== 0) return 'not owned by root';
  if ((st.mode & 0o077) !== 0) return 'open to group or others';
  if (st.nlink !== 1) return 'has other links';
  return undefined;
}

/** Why the blob open on `fd` is not `file` as the builder writes them, or undefined. */
function untrustedBlob(fd, file) {
  const st = fstatSync(fd);
  const why = untrustedFile(st);
  if (why !== undefined) return why;
  const at = lstatSync(file, { throwIfNoEntry: false });
  if (at === undefined || !at.isFile() || at.ino !== st.ino || at.dev !== st.dev) return `not ${file}`;
  return undefined;
}

module.exports = { snapshotDir, untrustedBlob, untrustedDir, untrustedFile };
