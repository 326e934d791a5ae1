// The caller's stdio never reaches the jail: jailed root (host uid 0) gets pipes, or a terminal of the
// jail's own devpts, relayed by the jail tool. Each test hands the jail a host object the way a caller
// would (a file as stdout, a directory or a socket as stdin, a terminal) and performs the attack.
import { type ChildProcess, type StdioOptions, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import {
  createServer,
  type Server,
  type Socket,
  connect as tcpConnect,
  connect as unixConnect,
} from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ioctl,
  POLLOUT,
  poll,
  rawModes,
  sendWithFds,
  setTerminalModes,
  terminalModes,
  windowSize,
} from '@sysjail/systrace-bindings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJailFixture } from '../integration/jail-fixture.js';
import { TerminalDriver } from './terminal-driver.js';

const binDir = fileURLToPath(new URL('../../dist/bin/', import.meta.url));
const bin = (tool: string) => join(binDir, `${tool}.js`);
// The jail root (with /bin/stdio-attack) and run dir of the integration fixture.
const fx = makeJailFixture('stdio');
const { base, root, env } = fx;
const name = `stdio${process.pid}`;
const JAIL_ADDR = '127.0.31.7';
let jid = '';

/** `jail ROOT ... command` or `jexec NAME command`, the two ways a caller's stdio reaches a jail. */
const ways = {
  jail: (command: string[], options: string[] = []) => [
    bin('jail'),
    ...options,
    root,
    'stdio.test',
    JAIL_ADDR,
    ...command,
  ],
  jexec: (command: string[], options: string[] = []) => [bin('jexec'), ...options, name, ...command],
} as const;

function runWith(
  args: string[],
  stdio: StdioOptions,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

beforeAll(() => {
  const r = spawnSync(
    process.execPath,
    [bin('sysjail'), '-b', '-n', name, root, 'stdio.test', JAIL_ADDR, '/bin/sleep', '600'],
    {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  expect(r.stderr).toBe('');
  jid = r.stdout.trim();
  expect(jid).toMatch(/^[0-9]+$/);
});

afterAll(() => {
  if (jid) spawnSync(process.execPath, [bin('jail'), '-r', jid], { env, timeout: 30_000 });
  fx.cleanup();
});

describe.each(Object.keys(ways) as (keyof typeof ways)[])('stdio through %s', (way) => {
  it('a host file as stdout cannot be made setuid (fchmod(1, 04755))', async () => {
    const out = join(base, `out-${way}`);
    writeFileSync(out, '');
    chmodSync(out, 0o644);
    const fd = openSync(out, 'w');
    const r = await runWith(ways[way](['/bin/stdio-attack', 'fchmod', '1', '4755']), ['ignore', fd, 'pipe']);
    closeSync(fd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The jail changed its pipe; the host file kept its mode and got the output.
    expect(statSync(out).mode & 0o7777).toBe(0o644);
    expect(readFileSync(out, 'utf8')).toBe('fchmod ok\n');
  });

  it('a null device as stdout: the jail writes to its own /dev/null (jail) or a pipe (jexec), never the host node', async () => {
    // A host null-device node of the test's own (not /dev/null: a failure must not break the host).
    const node = join(base, `null-${way}`);
    expect(spawnSync('mknod', ['-m', '0666', node, 'c', '1', '3']).status).toBe(0);
    const before = statSync(node);
    const fd = openSync(node, 'w');
    const r = await runWith(ways[way](['/bin/stdio-attack', 'null', '1']), ['ignore', fd, 'pipe']);
    closeSync(fd);
    expect(r.status).toBe(0);
    const m = /^null (\w+) (\d+):(\d+) (\d+):(\d+)$/m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const [, type, major, minor, dev, ino] = m as RegExpExecArray;
    if (way === 'jail') {
      // The jail's own null device (its /dev), not the node the caller handed over.
      expect([type, major, minor]).toEqual(['chr', '1', '3']);
      expect(`${dev}:${ino}`).not.toBe(`${before.dev}:${before.ino}`);
      expect(`${dev}:${ino}`).not.toBe(`${statSync('/dev/null').dev}:${statSync('/dev/null').ino}`);
    } else {
      expect(type).toBe('fifo');
    }
    expect(r.stderr).toMatch(/^fchmod ok$/m);
    const after = statSync(node);
    expect([after.mode, after.uid, after.gid]).toEqual([before.mode, before.uid, before.gid]);
  });

  it('a directory as stdin does not open the host (openat, /proc/self/fd/0/...)', async () => {
    const hostfs = join(base, `hostfs-${way}`);
    mkdirSync(join(hostfs, 'etc'), { recursive: true });
    mkdirSync(join(hostfs, 'tmp'));
    writeFileSync(join(hostfs, 'etc/shadow'), 'root:HOST-SHADOW:\n');
    const dir = openSync(hostfs, 'r');
    const r = await runWith(ways[way](['/bin/stdio-attack', 'dir']), [dir, 'pipe', 'pipe']);
    closeSync(dir);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('HOST-SHADOW');
    expect(r.stdout).toMatch(/^openat-shadow E[A-Z]+$/m);
    expect(r.stdout).toMatch(/^proc-shadow E[A-Z]+$/m);
    expect(r.stdout).toMatch(/^openat-escape E[A-Z]+$/m);
    expect(r.stdout).toMatch(/^proc-escape E[A-Z]+$/m);
    expect(existsSync(join(hostfs, 'tmp/escape'))).toBe(false);
  });

  it('an accepted TCP connection as stdin cannot be reconnected to a host-only service', async () => {
    let hostConnections = 0;
    const hostOnly: Server = createServer((s) => {
      hostConnections++;
      s.end('HOST-ONLY-SERVICE\n');
    });
    await new Promise<void>((r) => hostOnly.listen(0, '127.0.0.1', r));
    const hostPort = (hostOnly.address() as { port: number }).port;
    // inetd style: the jail tool is run with the accepted connection as stdin
    let accepted: Socket | undefined;
    const inetd: Server = createServer({ pauseOnConnect: true }, (s) => {
      accepted = s;
    });
    await new Promise<void>((r) => inetd.listen(0, '127.0.31.8', r));
    const client = tcpConnect((inetd.address() as { port: number }).port, '127.0.31.8');
    client.on('error', () => {});
    while (!accepted) await new Promise((r) => setTimeout(r, 10));
    const r = await runWith(ways[way](['/bin/stdio-attack', 'reconnect', String(hostPort)]), [
      accepted,
      'pipe',
      'pipe',
    ]);
    client.destroy();
    accepted.destroy();
    await new Promise((res) => inetd.close(res));
    await new Promise((res) => hostOnly.close(res));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^disconnect E[A-Z]+$/m);
    expect(r.stdout).toMatch(/^reconnect E[A-Z]+$/m);
    expect(r.stdout).not.toContain('HOST-ONLY-SERVICE');
    expect(hostConnections).toBe(0);
  });

  describe.each([
    ['its own terminal', []],
    ['no terminal (-T)', ['-T']],
  ])('with %s', (_what, options) => {
    it("leaves the caller's terminal alone: size, modes, flow, TIOCSTI, owner and mode", async () => {
      const term = new TerminalDriver({ rows: 40, cols: 120 });
      try {
        // The caller's terminal in non-canonical mode, so that pushed input would be counted at once.
        setTerminalModes(term.terminal, rawModes(terminalModes(term.terminal)!));
        const modes = terminalModes(term.terminal)!;
        const mode = fstatSync(term.terminal).mode;
        const [script, ...args] = ways[way](['/bin/stdio-attack', 'terminal'], options);
        const child = term.run(script, args, env, ['t', 'pipe', 'pipe']);
        let stdout = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        expect(await exited(child)).toBe(0);
        // Whatever the jail did, it did to a terminal of its own (or to a pipe).
        expect(stdout).toMatch(/^TIOCSWINSZ (ok|ENOTTY)$/m);
        expect(stdout).toMatch(/^TIOCSTI EPERM$/m);
        expect(windowSize(term.terminal)).toEqual({ rows: 40, cols: 120 });
        expect(terminalModes(term.terminal)).toEqual(modes);
        expect(poll([{ fd: term.terminal, events: POLLOUT }], 0)[0] & POLLOUT).toBe(POLLOUT); // not stopped
        expect(fstatSync(term.terminal).mode).toBe(mode);
        const FIONREAD = 0x541b;
        const pending = Buffer.alloc(4);
        ioctl(term.terminal, FIONREAD, pending);
        expect(pending.readInt32LE(0)).toBe(0); // nothing pushed into the caller's input
      } finally {
        term.close();
      }
    });
  });

  it('gives an interactive shell its own terminal: tty, /dev/tty, size, ^C, ^Z and fg', async () => {
    const term = new TerminalDriver({ rows: 33, cols: 101 });
    try {
      const modes = terminalModes(term.terminal)!;
      const [script, ...args] = ways[way](['/bin/sh']);
      const child = term.run(script, args, env);
      const status = exited(child);
      await term.waitFor(/# /);
      let mark = term.shown().length;
      term.type('tty; echo seen > /dev/tty && echo tty-opens\r');
      expect(await term.waitFor(/\ntty-opens\r?\n/, mark)).toMatch(/\/dev\/pts\/[0-9]+\r?\n/);
      mark = term.shown().length;
      term.type('stty size\r');
      await term.waitFor(/33 101\r?\n/, mark);
      // The caller's terminal changes size: the tool hears SIGWINCH (sent here, as the terminal would
      // to its foreground process group) and resizes the jail's terminal.
      term.resize({ rows: 45, cols: 132 });
      child.kill('SIGWINCH');
      await new Promise((r) => setTimeout(r, 200));
      mark = term.shown().length;
      term.type('stty size\r');
      await term.waitFor(/45 132\r?\n/, mark);
      mark = term.shown().length;
      term.type('sleep 30\r');
      await new Promise((r) => setTimeout(r, 300));
      term.type('\x03');
      term.type('echo after-intr $?\r');
      await term.waitFor(/after-intr 130\r?\n/, mark);
      mark = term.shown().length;
      term.type('sleep 30\r');
      await new Promise((r) => setTimeout(r, 300));
      term.type('\x1a');
      await term.waitFor(/Stopped/, mark);
      mark = term.shown().length;
      term.type('fg\r');
      await term.waitFor(/sleep 30/, mark);
      await new Promise((r) => setTimeout(r, 200));
      term.type('\x03');
      term.type('echo after-fg $?\r');
      await term.waitFor(/after-fg 130\r?\n/, mark);
      term.type('exit 7\r');
      expect(await status).toBe(7);
      // raw mode during the session, the caller's modes back after it
      expect(terminalModes(term.terminal)).toEqual(modes);
    } finally {
      term.close();
    }
  });
});

describe.each(Object.keys(ways) as (keyof typeof ways)[])('Landlock through %s', (way) => {
  it('a host directory descriptor passed in (SCM_RIGHTS) does not lead out of the jail', async () => {
    const outside = join(base, `outside-${way}`);
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'HOST-SECRET\n');
    const sock = `/tmp/landlock-${way}.sock`;
    const [script, ...args] = ways[way](['/bin/stdio-attack', 'recvfd', sock, 'secret']);
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const status = exited(child);
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('listen ok') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(stdout).toContain('listen ok');
    // A host service hands the jail a descriptor of a host directory, as a careless one might.
    const dir = openSync(outside, 'r');
    const client = unixConnect(join(root, sock));
    await new Promise<void>((r) => client.once('connect', () => r()));
    const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
    sendWithFds(fd, Buffer.from('x'), [dir]);
    closeSync(dir);
    expect(await status).toBe(0);
    client.destroy();
    expect(stdout).toMatch(/^recvfd ok$/m);
    expect(stdout).not.toContain('HOST-SECRET');
    expect(stdout).toMatch(/^openat-host EACCES$/m);
    expect(stdout).toMatch(/^proc-host EACCES$/m);
  });
});
