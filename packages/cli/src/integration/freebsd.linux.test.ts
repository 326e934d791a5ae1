/**
 * FreeBSD programs in a jail: the FreeBSD builds of esbuild and ngrok (from npm) run by the jail's
 * program loader (sysjail-freebsd) under the jail's Linux filter; a FreeBSD program the layer cannot
 * run is refused in one line with status 1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freebsdVictimPath } from '@sysjail/emul-freebsd';
import { ESBUILD_VERSION, freebsdEsbuild, freebsdNgrok } from '@sysjail/emul-freebsd/npm-programs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from './jail-fixture.js';
import { runJail, startJailCommand } from './run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('freebsd');
  const bin = join(fx.root, 'usr', 'local', 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(freebsdEsbuild(), join(bin, 'esbuild'));
  copyFileSync(freebsdNgrok(), join(bin, 'ngrok'));
  copyFileSync(freebsdVictimPath, join(bin, 'victim'));
  const dynamic = Buffer.from(readFileSync('/bin/sh'));
  dynamic[7] = 9; // FreeBSD-branded and dynamically linked
  writeFileSync(join(bin, 'bsd-dynamic'), dynamic);
  for (const f of ['esbuild', 'ngrok', 'bsd-dynamic', 'victim']) chmodSync(join(bin, f), 0o755);
  const proj = join(fx.root, 'proj');
  mkdirSync(join(proj, 'src', 'lib'), { recursive: true });
  writeFileSync(
    join(proj, 'src', 'main.ts'),
    'import { a } from "./lib/a";\nimport { b } from "./lib/b";\nconsole.log(a() + b());\n',
  );
  writeFileSync(join(proj, 'src', 'lib', 'a.ts'), 'export const a = (): number => 40;\n');
  writeFileSync(join(proj, 'src', 'lib', 'b.ts'), 'export function b(): number { return 2; }\n');
}, 300_000);
afterAll(() => fx?.cleanup());

// Addresses of this file's own: 127.0.15.0/24.
const ADDR = '127.0.15.5';
const jail = (command: string[], input?: string) =>
  runJail(fx, [fx.root, 'bsd.example', ADDR, ...command], { input, timeoutMs: 60_000 });
const victim = async (...probe: string[]) => {
  const r = await jail(['/usr/local/bin/victim', ...probe]);
  return { ...r, line: r.stdout.trim() };
};

describe('FreeBSD programs in a jail', () => {
  it('esbuild --version', async () => {
    const r = await jail(['/usr/local/bin/esbuild', '--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(ESBUILD_VERSION);
    expect(r.status).toBe(0);
  });

  it('esbuild transforms TypeScript from stdin', async () => {
    const r = await jail(['esbuild', '--loader=ts'], 'const n: number = 1;\nexport { n };\n');
    expect(r.stdout).toBe('const n = 1;\nexport { n };\n');
    expect(r.status).toBe(0);
  });

  it('esbuild --bundle over a project in the jail', async () => {
    const r = await jail([
      'esbuild',
      '--bundle',
      '/proj/src/main.ts',
      '--outfile=/proj/out/bundle.js',
      '--log-level=warning',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = readFileSync(join(fx.root, 'proj', 'out', 'bundle.js'), 'utf8');
    expect(out).toContain('// proj/src/lib/b.ts');
    expect(out).toContain('console.log(a() + b());');
  });

  it('esbuild --serve on 0.0.0.0 serves from the jail address (sockets, kqueue/kevent over epoll)', async () => {
    writeFileSync(join(fx.root, 'proj', 'index.html'), 'hello from a FreeBSD program\n');
    const p = startJailCommand(
      fx,
      [fx.root, 'bsd.example', ADDR, 'esbuild', '--servedir=/proj', '--serve=0.0.0.0:8015'],
      {
        timeoutMs: 60_000,
      },
    );
    try {
      let body = '';
      for (let i = 0; i < 100 && !body; i++) {
        body = await fetch(`http://${ADDR}:8015/index.html`).then(
          (r) => r.text(),
          () => new Promise<string>((ok) => setTimeout(() => ok(''), 200)),
        );
      }
      expect(body).toBe('hello from a FreeBSD program\n');
    } finally {
      p.child.stdin?.end(); // esbuild's serve mode ends with its stdin
    }
    expect((await p.done).status).toBe(0);
  });

  it('sysjail --emulation names the emulation; an unknown one is a usage error, nothing started', async () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(binDir, 'sysjail.js'), ...args], {
        env: fx.env,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = run([
      '--emulation',
      'freebsd',
      fx.root,
      'bsd.example',
      ADDR,
      '/usr/local/bin/victim',
      'jailed',
    ]);
    expect(ok.stdout).toBe('jailed ok 1\n');
    expect(ok.status).toBe(0);
    const bad = run(['--emulation=nope', fx.root, 'bsd.example', ADDR, '/usr/local/bin/victim', 'jailed']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^sysjail: unknown emulation nope \(known: linux, freebsd\)\n/);
    expect(bad.stdout).toBe('');
  });

  it('jail -c sysjail.emulation=... forces the emulation, whatever the binary says', async () => {
    const conf = (emulation: string, ...command: string[]) =>
      runJail(
        fx,
        [
          '-c',
          `path=${fx.root}`,
          'host.hostname=bsd.example',
          `ip4.addr=${ADDR}`,
          `sysjail.emulation=${emulation}`,
          `command=${command[0]}`,
          ...command.slice(1),
        ],
        { timeoutMs: 60_000 },
      );
    const bsd = await conf('freebsd', '/usr/local/bin/victim', 'jailed');
    expect(bsd.stdout).toBe('jailed ok 1\n');
    expect(bsd.status).toBe(0);
    // a Linux program forced through the FreeBSD layer: refused by it, one line, status 1
    const linux = await conf('freebsd', '/bin/true');
    expect(linux.status).toBe(1);
    expect(linux.stderr.trim().split('\n')).toHaveLength(1);
    expect(linux.stderr).toMatch(/not a FreeBSD program/);
    // a FreeBSD program forced to the native emulation: the kernel runs it as a Linux program (no
    // layer: FreeBSD enters with %rdi at argc, Linux with 0), and it dies of SIGSEGV before any output
    const native = await conf('linux', '/usr/local/bin/victim', 'jailed');
    expect(native.stdout).toBe('');
    expect(native.status).toBe(128 + 11);
  });

  it('ngrok version', async () => {
    const r = await jail(['/usr/local/bin/ngrok', 'version']);
    expect(r.stdout.trim()).toBe('ngrok version 2.3.41');
    expect(r.status).toBe(0);
  });

  it('a dynamically linked FreeBSD program: one line, status 1', async () => {
    const r = await jail(['/usr/local/bin/bsd-dynamic']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/dynamically linked against FreeBSD's libc/);
  });

  it('a Linux command in the same kind of jail is run by the kernel, not the loader', async () => {
    const r = await jail(['/bin/sh', '-c', 'readlink /proc/self/exe; echo ok']);
    expect(r.stdout).toBe('/bin/busybox\nok\n');
    expect(r.status).toBe(0);
  });
});

describe('a FreeBSD program of raw FreeBSD system calls, confined in FreeBSD terms', () => {
  it('binding 0.0.0.0 gets the jail address (sockaddr with sa_len both ways)', async () => {
    expect((await victim('bind', '0.0.0.0')).line).toBe(`bind ok ${ADDR}`);
  });

  it('binding an address not the jail’s: FreeBSD’s EADDRNOTAVAIL (49)', async () => {
    expect((await victim('bind', '127.0.15.99')).line).toBe('bind errno 49');
  });

  it('a raw socket: FreeBSD’s EPERM (1)', async () => {
    expect((await victim('raw')).line).toBe('raw errno 1');
  });

  it('reads the jail’s hostname through __sysctl, and uname as FreeBSD’s libc builds it', async () => {
    expect((await victim('hostname')).line).toBe('hostname ok bsd.example');
    expect((await victim('uname')).line).toBe('uname ok FreeBSD 14.3-RELEASE amd64 bsd.example');
    expect((await victim('jailed')).line).toBe('jailed ok 1');
  });

  it('SysV IPC per allow.sysvipc: FreeBSD’s ENOSYS (78) without it, shared memory, semaphores and messages with it', async () => {
    expect((await victim('sysv')).line).toBe('sysv errno 78');
    const r = spawnSync(
      process.execPath,
      [
        join(binDir, 'sysjail.js'),
        '--allow-ipc',
        fx.root,
        'bsd.example',
        ADDR,
        '/usr/local/bin/victim',
        'sysv',
      ],
      { env: fx.env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stdout).toBe('sysv ok shm sem msg\n');
    expect(r.status).toBe(0);
  });

  it('mount is refused as FreeBSD’s jail refuses it: EPERM', async () => {
    expect((await victim('mount')).line).toBe('mount errno 1');
  });

  it('a call without a translation: ENOSYS (78), never run as the Linux call of its number', async () => {
    // FreeBSD 26 (ptrace) is Linux 26 (msync): had it run, msync(0, 0, 0) would have succeeded.
    expect((await victim('nosys')).line).toBe('nosys errno 78');
  });

  it('sjls -v shows each process’s emulation and its untranslated calls, most frequent first', async () => {
    const p = startJailCommand(fx, [fx.root, 'bsd.example', ADDR, '/usr/local/bin/victim', 'nosys-wait'], {
      timeoutMs: 60_000,
    });
    await p.waitFor(/^waiting$/m);
    const out = execFileSync(process.execPath, [join(binDir, 'sjls.js'), '-v'], {
      env: fx.env,
      encoding: 'utf8',
    });
    p.child.stdin?.end();
    const r = await p.done;
    expect(r.stdout).toBe('waiting\nnosys-wait ok\n');
    const processes = out.split('\n').filter((l) => l.startsWith('process:'));
    expect(processes).toHaveLength(2);
    expect(processes[0]).toMatch(/^process: +[0-9]+ linux$/); // the jail's init
    expect(processes[1]).toMatch(
      /^process: +[0-9]+ freebsd, untranslated 5: ptrace\(26\) 3, kldnext\(307\) 2$/,
    );
  });

  it('a signal handler gets a FreeBSD frame (signal number, SI_USER, the interrupted %rip) and returns by sigreturn', async () => {
    expect((await victim('signal')).line).toBe(`signal ok 30 ${0x10001} rip-in-program`);
  });

  it('jexec runs a FreeBSD program in a running jail under its loader', async () => {
    const p = startJailCommand(fx, [fx.root, 'bsd.example', ADDR, '/usr/local/bin/victim', 'nosys-wait'], {
      timeoutMs: 60_000,
    });
    try {
      await p.waitFor(/^waiting$/m);
      const jid = JSON.parse(
        execFileSync(process.execPath, [join(binDir, 'jls.js'), '--json'], { env: fx.env, encoding: 'utf8' }),
      )['jail-information'].jail.find((j: { hostname: string }) => j.hostname === 'bsd.example')?.jid;
      expect(jid).toBeTypeOf('number');
      const out = execFileSync(
        process.execPath,
        [join(binDir, 'jexec.js'), String(jid), '/usr/local/bin/victim', 'uname'],
        {
          env: fx.env,
          encoding: 'utf8',
        },
      );
      expect(out).toBe('uname ok FreeBSD 14.3-RELEASE amd64 bsd.example\n');
    } finally {
      p.child.stdin?.end();
    }
    expect((await p.done).status).toBe(0);
  });

  it('sees the jail’s files only, and its own processes', async () => {
    expect((await victim('open', '/etc/hostname')).line).toMatch(/^open (ok|errno 2)/);
    expect((await victim('open', fx.secretPath)).line).toBe('open errno 2');
    expect((await victim('getpid')).line).toBe('getpid ok 2 1');
    expect((await victim('kill', '-1', '9')).line).toMatch(/^kill (ok|errno 3)$/);
  });

  it('execs a Linux program and a FreeBSD program (the layer runs itself again for the latter)', async () => {
    const linux = await victim('exec', '/bin/echo', 'linux', 'echo');
    expect(linux.line).toBe('linux echo');
    const bsd = await victim('exec', '/usr/local/bin/victim', 'hostname');
    expect(bsd.line).toBe('hostname ok bsd.example');
  });
});
