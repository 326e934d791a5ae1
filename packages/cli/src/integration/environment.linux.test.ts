/**
 * The jailed command's environment: the caller's by default (as FreeBSD's jail(8)); -l the clean login
 * environment of the user from the jail's passwd, which hides the caller's variables; --setenv and
 * --unsetenv; a passwd the jail planted as a link out of its root or as a FIFO is not followed or waited on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from './jail-fixture.js';

let fx: JailFixture;

function jailEnv(args: readonly string[], user: readonly string[] = []): string[] {
  const r = spawnSync(
    process.execPath,
    [join(binDir, 'sysjail.js'), ...user, ...args, fx.root, 'h', '127.0.13.30', '/bin/busybox', 'env'],
    {
      env: { ...fx.env, SJ_CALLER_SECRET: 'caller-only', TERM: 'xterm-test' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n').sort();
}

const LOGIN_PATH = 'PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin';

function run(
  tool: string,
  args: readonly string[],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(binDir, tool), ...args], {
    env: fx.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  fx = makeJailFixture('env');
  // Two users with homes: www can enter its own, locked cannot (mode 0700, root's).
  appendFileSync(
    join(fx.root, 'etc/passwd'),
    'www:x:80:80:www:/home/www:/bin/ash\nlocked:x:81:81:locked:/home/locked:/bin/sh\n',
  );
  mkdirSync(join(fx.root, 'home/www'), { recursive: true });
  chownSync(join(fx.root, 'home/www'), 80, 80);
  mkdirSync(join(fx.root, 'home/locked'), { mode: 0o700 });
});
afterAll(() => fx?.cleanup());

describe('the jailed command environment', () => {
  it("by default the caller's variables pass, with the jail's PATH", () => {
    const env = jailEnv([]);
    expect(env).toContain('SJ_CALLER_SECRET=caller-only');
    expect(env).toContain('TERM=xterm-test');
    expect(env).toContain('PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin');
  });

  it("-l hides the caller's variables: HOME, SHELL, USER, LOGNAME, TERM and PATH only", () => {
    expect(jailEnv(['-l'])).toEqual(
      ['HOME=/root', 'LOGNAME=root', LOGIN_PATH, 'SHELL=/bin/sh', 'TERM=xterm-test', 'USER=root'].sort(),
    );
    expect(jailEnv(['-l'], ['-U', 'www'])).toEqual(
      ['HOME=/home/www', 'LOGNAME=www', LOGIN_PATH, 'SHELL=/bin/ash', 'TERM=xterm-test', 'USER=www'].sort(),
    );
  });

  it("-l starts the command in its user's home directory, as FreeBSD's jail -l (without it: /)", () => {
    const pwd = (tool: string, args: readonly string[]) =>
      run(tool, [...args, fx.root, 'h', '127.0.13.30', '/bin/busybox', 'pwd']);
    for (const tool of ['jail.js', 'sysjail.js']) {
      expect(pwd(tool, ['-l'])).toEqual({ status: 0, stdout: '/root\n', stderr: '' });
      expect(pwd(tool, ['-l', '-U', 'www'])).toEqual({ status: 0, stdout: '/home/www\n', stderr: '' });
      expect(pwd(tool, ['-U', 'www'])).toEqual({ status: 0, stdout: '/\n', stderr: '' });
      expect(pwd(tool, [])).toEqual({ status: 0, stdout: '/\n', stderr: '' });
    }
    // A home directory that does not exist (or that the user cannot enter) is an error, as on FreeBSD:
    // the command does not run somewhere else.
    expect(pwd('sysjail.js', ['-l', '-U', 'nobody'])).toEqual({
      status: 126,
      stdout: '',
      stderr: 'jail: /nonexistent: No such file or directory\n',
    });
    expect(pwd('sysjail.js', ['-l', '-U', 'locked'])).toEqual({
      status: 126,
      stdout: '',
      stderr: 'jail: /home/locked: Permission denied\n',
    });
  });

  it('-b -l: the background command starts in the home directory too', () => {
    const r = run('sysjail.js', [
      '-b',
      '-l',
      '-n',
      'envhome',
      fx.root,
      'h',
      '127.0.13.31',
      '/bin/sh',
      '-c',
      // written under another name and renamed: the file appears only once it holds the line
      'pwd > /tmp/started-in.part && mv /tmp/started-in.part /tmp/started-in',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const file = join(fx.root, 'tmp/started-in');
    const deadline = Date.now() + 20_000;
    while (!existsSync(file) && Date.now() < deadline) execFileSync('sleep', ['0.1']);
    expect(readFileSync(file, 'utf8')).toBe('/root\n');
  });

  it('--setenv and --unsetenv apply in order, after -l', () => {
    const env = jailEnv([
      '--unsetenv',
      'SJ_CALLER_SECRET',
      '--setenv',
      'A=1=2',
      '--setenv',
      'B=',
      '--unsetenv',
      'B',
    ]);
    expect(env).toContain('A=1=2');
    expect(env.some((l) => l.startsWith('SJ_CALLER_SECRET=') || l.startsWith('B='))).toBe(false);
    expect(jailEnv(['-l', '--setenv', 'HOME=/srv'])).toContain('HOME=/srv');
    const bad = spawnSync(
      process.execPath,
      [join(binDir, 'sysjail.js'), '--setenv', 'NOEQUALS', fx.root, 'h', '127.0.13.30', '/bin/true'],
      {
        env: fx.env,
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('sysjail: --setenv: expected NAME=VALUE: NOEQUALS');
  });

  it("-l reads the jail's passwd inside its root: a link out is not followed, a FIFO not waited on but refused", () => {
    const passwd = join(fx.root, 'etc/passwd');
    const hostFile = join(fx.outside, 'passwd');
    writeFileSync(hostFile, 'root:x:0:0:host:/host-secret-home:/bin/host-shell\n');
    renameSync(passwd, `${passwd}.real`);
    try {
      symlinkSync(hostFile, passwd); // absolute: resolved inside the jail root, where it does not exist
      const env = jailEnv(['-l']);
      expect(env).toContain('HOME=/');
      expect(env).toContain('USER=0');
      expect(env.join('\n')).not.toContain('host-secret-home');
      rmSync(passwd);
      execFileSync('mkfifo', [passwd]);
      // As jail -U and jexec -l: one reader of the jail's passwd, and a FIFO there is an error.
      const r = spawnSync(
        process.execPath,
        [join(binDir, 'sysjail.js'), '-l', fx.root, 'h', '127.0.13.30', '/bin/true'],
        {
          env: fx.env,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: `sysjail: ${passwd}: not a regular file\n`,
      });
    } finally {
      rmSync(passwd, { force: true });
      renameSync(`${passwd}.real`, passwd);
    }
  });
});
