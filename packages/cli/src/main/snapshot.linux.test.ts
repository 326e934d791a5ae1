// The bins' startup snapshot (scripts/bundle.mjs, scripts/snapshot/; asked for with SYSJAIL_SNAPSHOT=1):
// run as a user runs them (the bin file executed: its shell part chooses), in a snapshot directory of
// the test's own (SYSJAIL_SNAPSHOT_DIR). Each path forced and told apart by SYSJAIL_SNAPSHOT_DEBUG's
// line: the snapshot used; none (not asked for, `node bin.js`, no blob); a stale blob (another node, a moved bin)
// falls back and is rebuilt at first use; planted blobs (another user's, a symlink, a world-writable
// directory, an extra link) are never run: the planted blob is a snapshot of this very node whose main
// writes a file, and that file never appears.
import { type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cliDir = fileURLToPath(new URL('../../', import.meta.url));
const binDir = join(cliDir, 'dist', 'bin');
const builder = join(cliDir, 'dist', 'bundle', 'snapshot-build.cjs');
const hashes = JSON.parse(readFileSync(join(cliDir, 'dist', 'bundle', 'snapshot.json'), 'utf8')) as Record<
  string,
  { hash: string }
>;
const version = (JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { version: string })
  .version;
const base = mkdtempSync(join(tmpdir(), 'sysjail-snapshot-'));
const dir = join(base, 'snapshots');
const root = join(base, 'closed', 'root');
const pwned = join(base, 'pwned');
const jailBase = () => join(dir, `jail-${hashes.jail!.hash}`);
const env = {
  ...process.env,
  SYSJAIL_SNAPSHOT_DIR: dir,
  SYSJAIL_SNAPSHOT_DEBUG: '1',
  SYSJAIL_RUN_DIR: join(base, 'run'),
  SYSJAIL_SNAPSHOT: '1',
  NODE_OPTIONS: undefined,
};

/** The bin executed as a program (its shell part), or `file` so. */
function run(
  args: readonly string[],
  opts: { file?: string; env?: NodeJS.ProcessEnv } & SpawnSyncOptions = {},
) {
  const r = spawnSync(opts.file ?? join(binDir, 'jail.js'), args, {
    encoding: 'utf8',
    timeout: 60_000,
    ...opts,
    env: { ...env, ...opts.env },
  });
  return { status: r.status, stdout: `${r.stdout}`, stderr: `${r.stderr}` };
}

const used = 'jail: snapshot used\n';
const notFound = 'jail: jail "nosuch" not found\n';
/** `jail -r nosuch`, a run that loads the command (--help and --version do not use a snapshot). */
const probe = (opts: Parameters<typeof run>[1] = {}) => run(['-r', 'nosuch'], opts);
const noneLine = new RegExp(`^jail: snapshot not used: none for .*node in ${dir}\n`);

/** Waits until no builder holds a lock in the snapshot directory. */
async function builders(): Promise<void> {
  for (let i = 0; i < 600 && existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.lock')); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the jail bin's background builder (started as it exits) has made a blob the bin uses. */
async function rebuilt(): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const blob = lstatSync(`${jailBase()}.blob`, { throwIfNoEntry: false });
    const link = statSync(`${jailBase()}.node`, { throwIfNoEntry: false });
    const fresh =
      blob?.isFile() && blob.uid === 0 && blob.nlink === 1 && link?.ino === statSync(process.execPath).ino;
    if (fresh && !existsSync(join(dir, '.jail.lock'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no snapshot was rebuilt');
}

function build(...names: string[]) {
  return spawnSync(process.execPath, [builder, ...names], {
    encoding: 'utf8',
    env: { ...env },
    timeout: 120_000,
  });
}

/** A snapshot of this node whose main writes `pwned`: what an attacker would plant. */
function plantable(): string {
  const entry = join(base, 'evil.cjs');
  writeFileSync(
    entry,
    `require('node:v8').startupSnapshot.setDeserializeMainFunction(() => require('node:fs').writeFileSync(${JSON.stringify(pwned)}, 'ran'));\n`,
  );
  const blob = join(base, 'evil.blob');
  const r = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  chmodSync(blob, 0o600);
  // It runs if node is given it.
  expect(spawnSync(process.execPath, ['--snapshot-blob', blob]).status).toBe(0);
  expect(readFileSync(pwned, 'utf8')).toBe('ran');
  rmSync(pwned);
  return blob;
}

beforeAll(() => {
  mkdirSync(join(base, 'closed'), { mode: 0o700 });
  expect(run([root], { file: join(binDir, 'mkjail.js'), env: { SYSJAIL_SNAPSHOT: '0' } }).status).toBe(0);
}, 60_000);

afterAll(async () => {
  await builders();
  rmSync(base, { recursive: true, force: true });
});

describe('the startup snapshot', () => {
  it('snapshot-build makes a root-only blob and a link to this node; the bin uses it, for a real jail too', () => {
    const r = build();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('jail: built\n');
    const d = lstatSync(dir);
    expect([d.uid, d.mode & 0o777]).toEqual([0, 0o700]);
    const blob = lstatSync(`${jailBase()}.blob`);
    expect([blob.isFile(), blob.uid, blob.mode & 0o777, blob.nlink]).toEqual([true, 0, 0o600, 1]);
    expect(statSync(`${jailBase()}.node`).ino).toBe(statSync(process.execPath).ino);
    expect(build('jail').stdout).toBe('jail: up to date\n');

    expect(probe()).toEqual({ status: 1, stdout: '', stderr: `${used}${notFound}` });
    // --help and --version need none of the command's modules: no snapshot (measured slower).
    expect(run(['--version'])).toEqual({ status: 0, stdout: `jail (@sysjail/cli) ${version}\n`, stderr: '' });
    expect(run(['--help']).stderr).toBe('');
    const usage = run([root, 'h']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^jail: snapshot used\njail: missing IP address\nusage: jail/);
    expect(run(['-i', root, 'h', '127.0.41.1', '/bin/sh', '-c', 'hostname; exit 3'])).toEqual({
      status: 3,
      stdout: '1\nh\n',
      stderr: used,
    });
    // Every tool has one.
    for (const tool of Object.keys(hashes)) {
      const t = run(['--bogus-option'], { file: join(binDir, `${tool}.js`) });
      expect(t.status, tool).toBe(2);
      expect(t.stderr, tool).toMatch(
        new RegExp(`^${tool}: snapshot used\n${tool}: unknown option: --bogus-option\n`),
      );
    }
  }, 120_000);

  it('through a symlink (npm -g, node_modules/.bin) and as `sh bin` (pnpm shims) too', () => {
    const link = join(base, 'jail');
    symlinkSync(join(binDir, 'jail.js'), link);
    expect(probe({ file: link }).stderr).toBe(`${used}${notFound}`);
    expect(run([join(binDir, 'jail.js'), '-r', 'nosuch'], { file: '/bin/sh' }).stderr).toBe(
      `${used}${notFound}`,
    );
    // A descriptor of the caller's on 9: the blob goes on another, and node closes it.
    const r = spawnSync(join(binDir, 'jail.js'), [root, 'h', '127.0.41.2', '/bin/sh', '-c', 'exit 0'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe'],
    });
    expect([r.status, r.stderr]).toEqual([0, used]);
  });

  it('the node process keeps no descriptor of the blob', async () => {
    const child = spawn(join(binDir, 'jail.js'), [root, 'h', '127.0.41.3', '/bin/sleep', '3'], {
      env,
      stdio: 'pipe',
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    for (let i = 0; i < 100 && !err.includes(used); i++) await new Promise((r) => setTimeout(r, 50));
    expect(err).toBe(used);
    const fds = readdirSync(`/proc/${child.pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${child.pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).toContain('--snapshot-blob');
    expect(fds.filter((f) => f.includes('.blob'))).toEqual([]);
    await new Promise((r) => child.on('close', r));
    expect(child.exitCode).toBe(0);
  });

  it("node starts without NODE_EXTRA_CA_CERTS; the tool's children get it back, and no variable of the bin's", () => {
    const certs = { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
    const show = ['/bin/sh', '-c', 'echo "$NODE_EXTRA_CA_CERTS"; env | grep -c ^SYSJAIL_ || true'];
    // The jailed command inherits the tool's environment (PATH aside).
    for (const opts of [{}, { env: { SYSJAIL_SNAPSHOT: '0' } }]) {
      const r = run([root, 'h', '127.0.41.5', ...show], { ...opts, env: { ...certs, ...opts.env } });
      expect(r.status, r.stderr).toBe(0);
      // SYSJAIL_SNAPSHOT, _SNAPSHOT_DIR, _SNAPSHOT_DEBUG and _RUN_DIR are the test's own; nothing else.
      expect(r.stdout).toBe(`${certs.NODE_EXTRA_CA_CERTS}\n4\n`);
    }
    // As node itself saw it (its environment at exec).
    const child = spawnSync(
      '/bin/sh',
      [
        '-c',
        `${join(binDir, 'jail.js')} ${root} h 127.0.41.6 /bin/sleep 2 & p=$!; sleep 0.7; tr '\\0' '\\n' </proc/$p/environ; wait $p`,
      ],
      { env: { ...env, ...certs }, encoding: 'utf8' },
    );
    expect(child.stdout).not.toMatch(/^NODE_EXTRA_CA_CERTS=/m);
    expect(child.stdout).toMatch(/^SYSJAIL_NODE_EXTRA_CA_CERTS=\/etc\/ssl\/certs\/ca-certificates.crt$/m);
  });

  it('without it: by default (no SYSJAIL_SNAPSHOT=1), NODE_OPTIONS, `node bin.js`, not root', () => {
    const plain = { status: 1, stdout: '', stderr: notFound };
    expect(probe({ env: { SYSJAIL_SNAPSHOT: undefined } })).toEqual(plain);
    expect(probe({ env: { SYSJAIL_SNAPSHOT: '0' } })).toEqual(plain);
    expect(probe({ env: { NODE_OPTIONS: '--no-warnings' } })).toEqual(plain);
    expect(run([join(binDir, 'jail.js'), '-r', 'nosuch'], { file: process.execPath })).toEqual(plain);
    expect(run(['--version'], { uid: 65534, gid: 65534 })).toEqual({
      status: 0,
      stdout: `jail (@sysjail/cli) ${version}\n`,
      stderr: '',
    });
    const r = run([root, 'h', '127.0.41.4', '/bin/sh', '-c', 'exit 5'], { env: { SYSJAIL_SNAPSHOT: '0' } });
    expect([r.status, r.stderr]).toEqual([5, '']);
  });

  it('a stale blob (built by another node) falls back silently and is rebuilt at first use', async () => {
    // The blob's node link now names another binary, as after an upgrade of node.
    rmSync(`${jailBase()}.node`);
    copyFileSync('/bin/true', join(base, 'other-node'));
    linkSync(join(base, 'other-node'), `${jailBase()}.node`);
    const r = run(['-r', 'nosuch']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(noneLine);
    expect(r.stderr.split('\n').slice(1).join('\n')).toBe('jail: jail "nosuch" not found\n');
    await rebuilt();
    expect(statSync(`${jailBase()}.node`).ino).toBe(statSync(process.execPath).ino);
    expect(probe().stderr).toBe(`${used}${notFound}`);
  }, 60_000);

  it('no blob: the bin runs without one and one is built at first use', async () => {
    rmSync(`${jailBase()}.blob`);
    const r = probe();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(noneLine);
    await rebuilt();
    expect(probe().stderr).toBe(`${used}${notFound}`);
  }, 60_000);

  describe('a planted blob is never run', () => {
    let evil: string;
    beforeAll(() => {
      evil = plantable();
    }, 60_000);
    /** A run with the planted blob in place: the tool's own output, the planted main never run. */
    const planted = async (rebuild = true) => {
      const r = run(['-r', 'nosuch']);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(
        r.stderr
          .split('\n')
          .filter((l) => !l.startsWith('jail: snapshot not used'))
          .join('\n'),
      ).toBe('jail: jail "nosuch" not found\n');
      expect(r.stderr).not.toContain(used);
      expect(existsSync(pwned)).toBe(false);
      if (rebuild) await rebuilt(); // the bin asked for one
    };

    it("another user's blob: not run, and replaced by the next build", async () => {
      rmSync(`${jailBase()}.blob`);
      copyFileSync(evil, `${jailBase()}.blob`);
      chownSync(`${jailBase()}.blob`, 65534, 65534);
      await planted();
      expect(lstatSync(`${jailBase()}.blob`).uid).toBe(0);
      expect(probe().stderr).toBe(`${used}${notFound}`);
    });

    it('a symlink to a blob of root', async () => {
      rmSync(`${jailBase()}.blob`);
      symlinkSync(evil, `${jailBase()}.blob`);
      await planted();
      expect(lstatSync(`${jailBase()}.blob`).isFile()).toBe(true);
    });

    it("a second link to the blob (it could be changed from elsewhere): the snapshot's main refuses it", async () => {
      linkSync(`${jailBase()}.blob`, join(base, 'second-link'));
      expect(probe()).toEqual({
        status: 1,
        stdout: '',
        stderr: `jail: snapshot not used: has other links\n${notFound}`,
      });
      rmSync(join(base, 'second-link'));
      expect(probe().stderr).toBe(`${used}${notFound}`);
    });

    it('a directory open to others: the snapshot is not used, a blob planted there not run', async () => {
      chmodSync(dir, 0o777);
      expect(probe()).toEqual({
        status: 1,
        stdout: '',
        stderr: `jail: snapshot not used: ${dir}: open to group or others (mode 777)\n${notFound}`,
      });
      // What another user could put there is theirs.
      renameSync(`${jailBase()}.blob`, join(base, 'ours.blob'));
      copyFileSync(evil, `${jailBase()}.blob`);
      chownSync(`${jailBase()}.blob`, 65534, 65534);
      await planted(false); // no builder is started for such a directory
      expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
      rmSync(`${jailBase()}.blob`);
      renameSync(join(base, 'ours.blob'), `${jailBase()}.blob`);
      chmodSync(dir, 0o700);
      // Another user's directory: the same.
      chownSync(dir, 65534, 65534);
      expect(probe().stderr).toMatch(noneLine);
      chownSync(dir, 0, 0);
      expect(probe().stderr).toBe(`${used}${notFound}`);
    });

    it('snapshot-build refuses a directory that is not root-only, or a symlink', async () => {
      await builders();
      chmodSync(dir, 0o755);
      let r = build('jail');
      expect([r.status, r.stderr]).toEqual([
        1,
        `snapshot-build: ${dir}: open to group or others (mode 755)\n`,
      ]);
      chmodSync(dir, 0o700);
      renameSync(dir, `${dir}.real`);
      symlinkSync(`${dir}.real`, dir);
      r = build('jail');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^snapshot-build: /);
      expect(probe().stderr).not.toContain(used);
      rmSync(dir);
      renameSync(`${dir}.real`, dir);
    });
  });
});
