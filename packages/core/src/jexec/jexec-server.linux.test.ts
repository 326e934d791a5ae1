// The jexec server's side of the protocol, against a recording supervisor (an EventEmitter in place of
// the jail: the end-to-end path through a real jail is tested in packages/cli, commands/jexec.linux.test.ts).

import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, pipe2, read, write } from '@sysjail/systrace-bindings';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JailRecord } from '../registry/jail-record.js';
import { requestAsUser } from '../testing/peer-as-user.js';
import { JexecRefusedError, JexecUnavailableError } from './errors.js';
import { execInJail } from './exec-in-jail.js';
import { type JexecExec, type JexecServer, startJexecServer } from './jexec-server.js';
import { jexecSocketPath } from './socket-path.js';

const base = mkdtempSync(join(tmpdir(), 'sysjail-jexec-server-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));

const record = (jid: number): JailRecord => ({
  jid,
  path: base,
  hostname: 'h',
  ipv4: [],
  ipv6: [],
  flags: {} as JailRecord['flags'],
  emulation: 'linux',
  supervisorPid: process.pid,
  supervisorStartTime: 0,
  startedAt: new Date().toISOString(),
});

let jid = 0;
const servers: JexecServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function server(onExec: (m: JexecExec, jail: EventEmitter) => void) {
  const jail = new EventEmitter();
  const id = ++jid;
  const s = await startJexecServer({
    jid: id,
    socketPath: jexecSocketPath(base, id),
    jail,
    cgroupProcs: join(base, 'no-cgroup.procs'),
    jailRoot: base,
    exec: async (m) => onExec(m, jail),
  });
  servers.push(s);
  return { jail, jid: id, server: s };
}

describe('jexec server', () => {
  it('listens on <dir>/<jid>.sock, mode 0600, replacing a stale socket file, removed on close', async () => {
    writeFileSync(jexecSocketPath(base, jid + 1), 'stale');
    const { server: s } = await server(() => {});
    const st = statSync(s.socketPath);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    await s.close();
    expect(existsSync(s.socketPath)).toBe(false);
  });

  it("takes the client's descriptors (pidfd_getfd) and reports start and exit by tag", async () => {
    const [r, w] = pipe2();
    const calls: JexecExec[] = [];
    const { jid: id } = await server((m, jail) => {
      calls.push(m);
      // What the supervisor thread would do: the command writes through its stdout, then exits 3.
      write(m.fds[1], Buffer.from('through the passed fd'));
      for (const fd of m.fds) close(fd);
      setImmediate(() => {
        jail.emit('supervisor', { type: 'spawned', jid: id, tag: m.tag, pid: 5, errno: 0 });
        jail.emit('supervisor', { type: 'exit', jid: id, tag: m.tag, pid: 5, status: 3 << 8 });
      });
    });
    const run = await execInJail({
      record: record(id),
      command: ['echo', 'hi'],
      registryDir: base,
      stdio: [r, w, w],
    });
    expect(run.pid).toBe(5);
    expect(await run.exited).toEqual({ code: 3, signal: null, reason: 'exited' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ tag: 1, argv: ['echo', 'hi'], uid: 0, gid: 0 });
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, read(r, buf)).toString()).toBe('through the passed fd');
    close(r);
    close(w);
  });

  it('passes a clean environment and directory to the init as they are', async () => {
    let seen: JexecExec | undefined;
    const { jid: id } = await server((m, jail) => {
      seen = m;
      for (const fd of m.fds) close(fd);
      jail.emit('supervisor', { type: 'spawned', jid: id, tag: m.tag, pid: 0, errno: 11 });
    });
    await expect(
      execInJail({ record: record(id), command: ['id'], registryDir: base, cleanEnvironment: true }),
    ).rejects.toThrow(new JexecRefusedError('EAGAIN', `cannot start the command in jail ${id}: EAGAIN`));
    expect(seen?.argv).toEqual(['id']);
    expect(seen?.env).toContain('USER=root');
    expect(seen?.env?.every((kv) => kv.includes('='))).toBe(true);
    expect(seen?.cwd).toBe('/');
  });

  it('refuses a peer that is not root, and bad requests, without running anything', async () => {
    const calls: JexecExec[] = [];
    const { jid: id, server: s } = await server((m) => calls.push(m));
    const out = await requestAsUser(
      s.socketPath,
      `${JSON.stringify({ type: 'exec', argv: ['id'], uid: 0, gid: 0, fds: [0, 1, 2] })}\n`,
    );
    expect(JSON.parse(out)).toEqual({
      type: 'error',
      code: 'EPERM',
      message: 'permission denied: uid 65534 is not root',
    });
    await expect(execInJail({ record: record(id), command: [''], registryDir: base })).rejects.toThrow(
      'bad request: empty command',
    );
    expect(calls).toEqual([]);
  });

  it("refuses a client's own files, directories or sockets as the command's stdio (relay them)", async () => {
    const calls: JexecExec[] = [];
    const { server: s } = await server((m) => calls.push(m));
    writeFileSync(join(base, 'host-file'), '');
    // An old or careless client: its stdin a host directory, its stdout a host file.
    const client = `
      const fs = require('node:fs');
      const dir = fs.openSync(${JSON.stringify(base)}, 'r');
      const file = fs.openSync(${JSON.stringify(join(base, 'host-file'))}, 'w');
      const s = require('node:net').connect(${JSON.stringify(s.socketPath)});
      s.on('connect', () => s.write(JSON.stringify({ type: 'exec', argv: ['id'], uid: 0, gid: 0, fds: [dir, file, 2] }) + '\\n'));
      s.on('data', (d) => process.stdout.write(d));`;
    const child = spawn(process.execPath, ['-e', client], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    await new Promise((resolve) => child.on('close', resolve));
    expect(JSON.parse(out)).toMatchObject({ type: 'error', code: 'EPERM' });
    expect(calls).toEqual([]);
  });

  it('tells a waiting client that the jail is gone (SIGKILL) when it closes', async () => {
    const { jid: id, server: s } = await server((m, jail) => {
      for (const fd of m.fds) close(fd);
      jail.emit('supervisor', { type: 'spawned', jid: id, tag: m.tag, pid: 9, errno: 0 });
    });
    const run = await execInJail({ record: record(id), command: ['sleep', '9'], registryDir: base });
    await s.close();
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL', reason: 'jail-gone' });
  });

  it('a jail without a server: JexecUnavailableError', async () => {
    await expect(execInJail({ record: record(999), command: ['id'], registryDir: base })).rejects.toThrow(
      JexecUnavailableError,
    );
  });
});
