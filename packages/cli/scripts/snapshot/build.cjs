'use strict';
// Builds the tools' startup snapshots for the node running it (copied to dist/bundle/snapshot-build.cjs
// by bundle.mjs): `node snapshot-build.cjs [NAME...]` (all tools by default), as root. A bin started
// without a usable snapshot starts it in the background for its own tool. Into the snapshot directory
// (trust.cjs; created 0700): NAME-HASH.blob (HASH: the bundle's, see snapshot.json), 0600, and
// NAME-HASH.node, a hard link to the node binary that built it (the bin runs the blob only with that
// very file, `[ NODE -ef LINK ]`, and not if the binary was changed since). Each blob is written under a
// temporary name, run once (the tool's --version) and renamed into place; NAME-HASH.failed records a
// build that failed (with why), so that the bins do not start it again. Exit status 1 if any failed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { setPriority } = require('node:os');
const { dirname, join } = require('node:path');
const trust = require('./snapshot-trust.cjs');

const bundleDir = fs.realpathSync(__dirname);
const cliDir = dirname(dirname(bundleDir));
const hashes = JSON.parse(fs.readFileSync(join(bundleDir, 'snapshot.json'), 'utf8'));
const version = JSON.parse(fs.readFileSync(join(cliDir, 'package.json'), 'utf8')).version;
/** A lock older than this is left by a builder that died. */
const STALE_LOCK_MS = 10 * 60_000;

class Refused extends Error {}

/** The snapshot directory, created if missing, checked; throws Refused if it cannot be trusted. */
function directory() {
  const dir = trust.snapshotDir(cliDir);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if (e.code !== 'EEXIST') throw new Refused(`${dir}: ${e.message}`);
  }
  const why = trust.untrustedDir(dir);
  if (why !== undefined) throw new Refused(why);
  return dir;
}

/** Whether `blob` and `link` are a snapshot of the running node that the bin would run. */
function current(blob, link) {
  const b = fs.lstatSync(blob, { throwIfNoEntry: false });
  const l = fs.lstatSync(link, { throwIfNoEntry: false });
  const n = fs.statSync(process.execPath);
  if (b === undefined || trust.untrustedFile(b) !== undefined) return false;
  return l?.isFile() && l.ino === n.ino && l.dev === n.dev && n.mtimeMs <= b.mtimeMs;
}

/** Takes the tool's build lock; false if another builder holds it. */
function lock(file) {
  for (let i = 0; i < 2; i++) {
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o600));
      return true;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const st = fs.lstatSync(file, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs < STALE_LOCK_MS) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

function build(dir, name) {
  const hash = hashes[name]?.hash;
  if (hash === undefined) throw new Refused(`${name}: no such tool`);
  const base = join(dir, `${name}-${hash}`);
  const lockFile = join(dir, `.${name}.lock`);
  if (!lock(lockFile)) return 'being built';
  const tmp = join(dir, `.${name}-${hash}.${process.pid}`);
  try {
    if (current(`${base}.blob`, `${base}.node`)) return 'up to date';
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.SYSJAIL_SNAPSHOT_WANTED;
    const made = spawnSync(
      process.execPath,
      ['--snapshot-blob', `${tmp}.blob`, '--build-snapshot', join(bundleDir, 'snapshot-entry.cjs'), name],
      { cwd: bundleDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    if (made.status !== 0) {
      const lines = `${made.stderr}`.split('\n').filter((l) => l && !/built-in module|may still work|issue tracker|trace-warnings/.test(l));
      throw new Error(`node --build-snapshot exited ${made.status ?? made.signal}: ${lines.slice(0, 5).join(' / ')}`);
    }
    fs.chmodSync(`${tmp}.blob`, 0o600);
    const tried = spawnSync(process.execPath, ['--snapshot-blob', `${tmp}.blob`, join(cliDir, 'dist', 'bin', `${name}.js`), '--version'], {
      env: { ...env, SYSJAIL_SNAPSHOT_SELFTEST: name },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const want = `${name} (@sysjail/cli) ${version}\n`;
    if (tried.status !== 0 || tried.stdout !== want) {
      throw new Error(`the new snapshot's ${name} --version exited ${tried.status}: ${JSON.stringify(tried.stdout + tried.stderr).slice(0, 200)}`);
    }
    fs.linkSync(process.execPath, `${tmp}.node`); // EXDEV: node on another file system
    // The old blob goes first: the bin never sees a new link with an old blob.
    fs.rmSync(`${base}.blob`, { force: true });
    fs.renameSync(`${tmp}.node`, `${base}.node`);
    fs.renameSync(`${tmp}.blob`, `${base}.blob`);
    fs.rmSync(`${base}.failed`, { force: true });
    // Older bundles' (not sysjail-service's for sysjail).
    const older = new RegExp(`^${name}-(?!${hash}\\.)[0-9a-f]{16}\\.(blob|node|failed)$`);
    for (const f of fs.readdirSync(dir)) if (older.test(f)) fs.rmSync(join(dir, f), { force: true });
    return 'built';
  } catch (e) {
    fs.writeFileSync(`${base}.failed`, `${e.message}\n`, { mode: 0o600 });
    throw e;
  } finally {
    fs.rmSync(`${tmp}.blob`, { force: true });
    fs.rmSync(`${tmp}.node`, { force: true });
    fs.rmSync(lockFile, { force: true });
  }
}

function main() {
  const background = process.argv[2] === '--background';
  const names = process.argv.slice(background ? 3 : 2);
  if (background) {
    try {
      setPriority(19);
    } catch {}
  }
  if (process.getuid() !== 0) {
    process.stderr.write('snapshot-build: the snapshots are built by root (they run as root)\n');
    return 1;
  }
  process.umask(0o077);
  let dir;
  try {
    dir = directory();
  } catch (e) {
    process.stderr.write(`snapshot-build: ${e.message}\n`);
    return 1;
  }
  let status = 0;
  for (const name of names.length > 0 ? names : Object.keys(hashes)) {
    try {
      const done = build(dir, name);
      if (!background) process.stdout.write(`${name}: ${done}\n`);
    } catch (e) {
      process.stderr.write(`snapshot-build: ${name}: ${e.message}\n`);
      status = 1;
    }
  }
  return status;
}

process.exitCode = main();
