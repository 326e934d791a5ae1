/**
 * The jail's Landlock domain (root, Linux with Landlock): everything beneath the jail's root is open to
 * the jail, nothing else is, whatever way a host descriptor reached it. Its rule is on the root and on
 * the root's top-level directories that are on the root's own mount: not on a symlink planted there
 * (one to /proc/self/fd/0 would put it on a host descriptor of the launcher's), not on a mount point (a
 * read-only mount of a host directory would become writable through a host path to its source).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { landlockAbiVersion, sendWithFds } from '@sysjail/systrace-bindings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import type { Prison } from '../prison.js';
import { startJail } from './start-jail.js';

let fx: JailFixture;
beforeAll(async () => {
  fx = await makeJailFixture('landlock');
}, 60_000);
afterAll(() => fx?.cleanup());

const SOCKET = '/tmp/landlock.sock';

/**
 * Runs `victim open ...` in a jail and returns its lines. With `hostDir`, the jail takes a descriptor of
 * that host directory over a unix socket (as from a careless host service) and relative paths start there.
 */
async function opens(args: string[], options: { hostDir?: string; prison?: Partial<Prison> } = {}) {
  const outPath = join(fx.base, 'opens.out');
  const out = openSync(outPath, 'w');
  const recv = options.hostDir ? ['--recv', SOCKET] : [];
  let jail: Awaited<ReturnType<typeof startJail>>;
  try {
    jail = await startJail({
      prison: fx.prison(options.prison),
      command: ['/bin/victim', 'open', ...recv, ...args],
      emulation: fx.emulation,
      stdio: [0, out, 2],
    });
  } finally {
    closeSync(out);
  }
  if (options.hostDir) {
    const socket = join(fx.root, SOCKET);
    const deadline = Date.now() + 10_000;
    while (!existsSync(socket) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const client = connect(socket);
    await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
    const dir = openSync(options.hostDir, 'r');
    try {
      sendWithFds((client as unknown as { _handle: { fd: number } })._handle.fd, Buffer.from('x'), [dir]);
    } finally {
      closeSync(dir);
    }
    client.destroy();
  }
  expect(await jail.exited).toEqual({ code: 0, signal: null, reason: 'exited' });
  rmSync(join(fx.root, SOCKET), { force: true });
  return readFileSync(outPath, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== 'listening');
}

describe.skipIf(landlockAbiVersion() < 1)('the jail Landlock domain', () => {
  it('everything beneath the root is open: files at any depth, new directories, the mounts beneath it', async () => {
    const root = fx.root;
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'a/b/c/d'), { recursive: true });
    writeFileSync(join(root, 'top'), 'top\n');
    writeFileSync(join(root, 'etc/f'), 'etc\n');
    writeFileSync(join(root, 'a/b/c/d/f'), 'deep\n');
    try {
      const lines = await opens(
        [
          'r',
          '/top',
          'r',
          '/etc/f',
          'r',
          '/a/b/c/d/f',
          'w',
          '/etc/f',
          'r',
          '/etc/f',
          'c',
          '/a/b/new',
          'c',
          '/tmp/new',
          'r',
          '/proc/self/comm',
          'w',
          '/dev/null',
          'r',
          'etc/f',
        ],
        { hostDir: root },
      );
      expect(lines).toEqual([
        'r /top ok: top',
        'r /etc/f ok: etc',
        'r /a/b/c/d/f ok: deep',
        'w /etc/f ok',
        'r /etc/f ok: jailed',
        'c /a/b/new ok',
        'c /tmp/new ok',
        'r /proc/self/comm ok: victim',
        'w /dev/null ok',
        // a host descriptor of the root itself leads beneath it: allowed
        'r etc/f ok: jailed',
      ]);
    } finally {
      for (const p of ['top', 'etc', 'a', 'tmp/new']) rmSync(join(root, p), { recursive: true, force: true });
    }
  });

  it('more top-level directories than get a rule of their own (64): each is open all the same', async () => {
    const names = Array.from({ length: 70 }, (_, i) => `top${String(i).padStart(2, '0')}`);
    for (const name of names) {
      mkdirSync(join(fx.root, name));
      writeFileSync(join(fx.root, name, 'f'), `${name}\n`);
    }
    try {
      const lines = await opens(names.flatMap((name) => ['r', `/${name}/f`, 'c', `/${name}/new`]));
      expect(lines).toEqual(names.flatMap((name) => [`r /${name}/f ok: ${name}`, `c /${name}/new ok`]));
    } finally {
      for (const name of names) rmSync(join(fx.root, name), { recursive: true, force: true });
    }
  });

  it('a host directory descriptor leads nowhere, nor does a top-level symlink to /proc/self/fd/N', async () => {
    const outside = join(fx.base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'HOST-SECRET\n');
    // Open here while the jail starts, so open in its launcher (a copy of this process's descriptors
    // until the exec): a launcher following the planted symlink would put the rule on this directory.
    const held = openSync(outside, 'r');
    symlinkSync(`/proc/self/fd/${held}`, join(fx.root, 'held'));
    symlinkSync(`/proc/self/fd/${held}/`, join(fx.root, 'held-dir'));
    try {
      const lines = await opens(
        ['r', 'secret', 'w', 'secret', 'c', 'planted', 'r', '/held/secret', 'r', '/held-dir/secret'],
        { hostDir: outside },
      );
      expect(lines).toEqual([
        'r secret EACCES',
        'w secret EACCES',
        'c planted EACCES',
        'r /held/secret ENOENT', // the jail's own /proc/self/fd: not this process's descriptor
        'r /held-dir/secret ENOENT',
      ]);
      expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('HOST-SECRET\n');
      expect(existsSync(join(outside, 'planted'))).toBe(false);
    } finally {
      closeSync(held);
      rmSync(join(fx.root, 'held'));
      rmSync(join(fx.root, 'held-dir'));
      rmSync(outside, { recursive: true });
    }
  });

  it('a read-only mount of a host directory is not writable through a host path to its source', async () => {
    const source = join(fx.base, 'shared');
    mkdirSync(join(source, 'data'), { recursive: true });
    writeFileSync(join(source, 'data/file'), 'HOST-DATA\n');
    mkdirSync(join(fx.root, 'data'));
    try {
      const lines = await opens(
        ['r', '/data/file', 'w', '/data/file', 'w', 'data/file', 'c', 'data/new', 'r', 'data/file'],
        {
          hostDir: source,
          prison: {
            mounts: [{ kind: 'bind', source: join(source, 'data'), target: '/data', readonly: true }],
          },
        },
      );
      expect(lines).toEqual([
        'r /data/file ok: HOST-DATA',
        'w /data/file EROFS',
        // the host's path to the same directory: no rule on the mount's root, so not beneath the jail's
        'w data/file EACCES',
        'c data/new EACCES',
        'r data/file EACCES',
      ]);
      expect(readFileSync(join(source, 'data/file'), 'utf8')).toBe('HOST-DATA\n');
    } finally {
      rmSync(join(fx.root, 'data'), { recursive: true });
      rmSync(source, { recursive: true });
    }
  });
});
