/**
 * Jailed root is host root, so a setuid file it makes is a setuid-root file on the host. The attack: root
 * in the jail makes /tmp/suid (a copy of the victim, mode 4755), and a host user (nobody) runs it, by the
 * jail path or through a jailed process's /proc/PID/root. Both must fail to give euid 0: the jail path
 * lies below a root-only directory (the fixture's 0700 temp dir; the tools refuse anything else), and the
 * kernel honours setuid only on mounts of the caller's own mount namespace (the jail's tree, seen through
 * /proc/PID/root or a descriptor passed out, is a mount of the jail's namespace).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { runTool, startBackground } from '../integration/run-tool.js';

let fx: JailFixture;
let jid = 0;
const marker = ['/bin/sleep', `7${process.pid % 1000}`];

beforeAll(async () => {
  fx = makeJailFixture('suid');
  jid = await startBackground(fx, ['-u', 'nobody', fx.root, 'suid.test', '127.0.9.5', ...marker]);
});
afterAll(async () => {
  if (jid) await runTool(fx, 'jail', ['-r', String(jid)]);
  await fx?.cleanup();
});

/**
 * `argv` run on the host as nobody: forked, groups, gid and uid set, then exec'd (libuv's order; every
 * capability is gone before the exec looks up the path). Not setpriv(1): it keeps its capabilities
 * until its own exec, so that exec still passes root-only directories.
 */
function asNobody(argv: string[]) {
  const r = spawnSync(argv[0], argv.slice(1), { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000 });
  const error = (r.error as NodeJS.ErrnoException | undefined)?.code;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error };
}

/** Host pids whose argv is exactly `argv`. */
function hostProcesses(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((d) => /^[0-9]+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8') === want;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('a setuid file made by jailed root', () => {
  it('is made, setuid root, in the jail', async () => {
    const r = await runTool(fx, 'jexec', [
      String(jid),
      '/bin/sh',
      '-c',
      'cp /bin/victim /tmp/suid && chmod 4755 /tmp/suid && /tmp/suid id',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0 0 0 0\n');
    const st = statSync(join(fx.root, 'tmp/suid'));
    expect(st.uid).toBe(0);
    expect(st.mode & 0o7777).toBe(0o4755);
    // Inside, as a jailed user, setuid means nothing (no_new_privs).
    const inside = await runTool(fx, 'jexec', ['-U', 'nobody', String(jid), '/tmp/suid', 'id']);
    expect(inside.stdout).toBe('65534 65534 65534 65534\n');
  });

  it('cannot be reached by a host user through the jail path', () => {
    expect(asNobody([join(fx.root, 'tmp/suid'), 'id'])).toMatchObject({ stdout: '', error: 'EACCES' });
    // Not even a directory listing on the way: the fixture's base is root-only (0700).
    expect(asNobody(['/bin/ls', fx.root])).toMatchObject({ stdout: '', status: 2 });
  });

  it("runs without euid 0 for a host user who reaches it through a jailed process's /proc/PID/root", () => {
    const [pid] = hostProcesses(marker);
    expect(pid).toBeGreaterThan(0);
    // nobody on the host may look into nobody's jailed process (same uid, dumpable): the route is open...
    // ...but that mount is the jail's namespace's, not the caller's: the file runs with nobody's ids.
    expect(asNobody([`/proc/${pid}/root/tmp/suid`, 'id'])).toMatchObject({
      stdout: '65534 65534 65534 65534\n',
      stderr: '',
      status: 0,
    });
  });
});
