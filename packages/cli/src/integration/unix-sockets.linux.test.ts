/**
 * Abstract UNIX socket names (issue 9, item 8): the jail shares the host's network stack, but its UNIX
 * sockets are made in a network namespace of its own, so a name it binds is not the host's (a host
 * client is refused, a host service can still bind it: no squatting), the host's names are not the
 * jail's, nor another jail's, and the jail's own abstract, pathname and paired sockets work, on x86_64
 * and i386 (direct calls and socketcall). Killing the supervisor while a jail keeps making UNIX sockets
 * fails closed: no socket is ever made in the host's namespace, the jail dies, its namespace goes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  CGROUP_PARENT,
  cgroupProcs,
  cgroupsOf,
  eventually,
  holdersOf,
  netnsFds,
  registryEntries,
  waitForRecord,
} from './host-state.js';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';
import { runTool, startJailCommand } from './run-tool.js';
import { buildProbes } from './victim-build.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('unix');
  mkdirSync(join(fx.root, 'mnt', 'host'), { recursive: true });
});
afterAll(() => fx?.cleanup());

const token = () => randomBytes(6).toString('hex');

/*
 * The host's side uses the probe itself, outside any jail: Node pads abstract names to the whole
 * sun_path, so its names would never be the probe's.
 */
const hostProbe = () => buildProbes().probe64;

/** Connects to an abstract name from the host: 'ok' or the errno's name. */
function hostConnect(name: string): string {
  return (
    parseProbe(execFileSync(hostProbe(), ['unix-connect', name], { encoding: 'utf8' })).get('connect') ?? ''
  );
}

/** Binds an abstract name on the host (and lets it go): 'ok' or the errno's name. */
function hostBind(name: string): string {
  return parseProbe(execFileSync(hostProbe(), ['unix-bind', name], { encoding: 'utf8' })).get('bind') ?? '';
}

/** A host service on an abstract name that answers every client with `answer`. */
async function hostServe(name: string, answer: string): Promise<() => void> {
  const child = spawn(hostProbe(), ['unix-serve', name, answer], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('serving ok')) resolve();
    });
    child.once('close', () => reject(new Error(`unix-serve ${name} ended`)));
  });
  return () => child.kill('SIGKILL');
}

function listenOn(path: string, answer: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => c.end(answer));
    s.once('error', reject);
    s.listen({ path }, () => resolve(s));
  });
}

describe.each([
  ['probe64', ['direct']],
  ['probe32', ['direct', 'socketcall']],
] as const)('abstract UNIX names in a jail (%s)', (probe, ways) => {
  it('a name the jail binds is not reached by a host client, nor taken from a host service', async () => {
    const name = `sysjail-squat-${token()}`;
    const run = startJailCommand(fx, [
      fx.root,
      'unix.example',
      '127.0.0.23',
      `/bin/${probe}`,
      'unix-squat',
      name,
      '3000',
    ]);
    await run.waitFor(/^bound ok$/);
    const names = ways.flatMap((w) => [`${name}-${w}`, `${name}-${w}-pair`]);
    // The attack: a host client connects to the name the jailed root bound (it was listening).
    for (const w of ways) expect(hostConnect(`${name}-${w}`), w).toBe('ECONNREFUSED');
    // No name of the jail is in the host's namespace: a host service can bind each of them.
    const table = readFileSync('/proc/net/unix', 'utf8');
    for (const n of names) {
      expect(table.includes(` @${n}\n`), n).toBe(false);
      expect(hostBind(n), n).toBe('ok');
    }
    const r = await run.done;
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(parseProbe(r.stdout).get('host-client')).toBe('none');
  }, 60_000);

  it("the jail's own abstract, paired and pathname sockets work; the host's abstract name is not there", async () => {
    const hostDir = join(fx.base, `host-${probe}`);
    mkdirSync(hostDir);
    const hostName = `sysjail-host-${token()}`;
    const stopHostService = await hostServe(hostName, 'host-abstract');
    expect(hostConnect(hostName)).toBe('ok'); // the host's name is there, for the host
    const pathServer = await listenOn(join(hostDir, 'service.sock'), 'host-path');
    try {
      const { status, stdout, stderr } = await runTool(fx, 'sysjail', [
        '--bind',
        hostDir,
        '/mnt/host',
        fx.root,
        'unix.example',
        '127.0.0.23',
        `/bin/${probe}`,
        'unix-own',
        `sysjail-own-${token()}`,
        hostName,
        '/mnt/host/service.sock',
      ]);
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      const out = parseProbe(stdout);
      for (const w of ways) {
        expect(
          Object.fromEntries(
            [
              'abstract-stream',
              'abstract-dgram',
              'socketpair',
              'socketpair-flags',
              'socket-flags',
              'host-abstract',
              'host-pathname',
              'pathname-dgram',
            ].map((k) => [k, out.get(`${k}-${w}`)]),
          ),
          w,
        ).toEqual({
          'abstract-stream': 'ok',
          'abstract-dgram': 'ok',
          socketpair: 'ok',
          'socketpair-flags': 'ok',
          'socket-flags': 'ok',
          'host-abstract': 'ECONNREFUSED',
          'host-pathname': 'host-path',
          'pathname-dgram': 'ok',
        });
      }
    } finally {
      stopHostService();
      pathServer.close();
    }
  }, 60_000);
});

describe('abstract UNIX names between jails', () => {
  it("another jail's abstract names are not this jail's", async () => {
    const name = `sysjail-other-${token()}`;
    const other = startJailCommand(fx, [
      fx.root,
      'other.example',
      '127.0.0.24',
      '/bin/probe64',
      'unix-squat',
      name,
      '3000',
    ]);
    await other.waitFor(/^bound ok$/);
    const hostDir = join(fx.base, 'host-other');
    mkdirSync(hostDir);
    const pathServer = await listenOn(join(hostDir, 'service.sock'), 'host-path');
    try {
      const r = await runTool(fx, 'sysjail', [
        '--bind',
        hostDir,
        '/mnt/host',
        fx.root,
        'unix.example',
        '127.0.0.23',
        '/bin/probe64',
        'unix-own',
        `sysjail-own-${token()}`,
        `${name}-direct`,
        '/mnt/host/service.sock',
      ]);
      expect(r.status).toBe(0);
      // the other jail is listening on that name, in its own namespace
      expect(parseProbe(r.stdout).get('host-abstract-direct')).toBe('ECONNREFUSED');
    } finally {
      pathServer.close();
    }
    const o = await other.done;
    expect(parseProbe(o.stdout).get('host-client')).toBe('none');
  }, 60_000);
});

describe('killing the supervisor while a jail makes UNIX sockets', () => {
  it('fails closed: no socket in the host namespace, the jail dies, its namespace is gone', async () => {
    // Host services hold these abstract names: a socket of the host's namespace cannot bind them (the
    // victim's breach test; the same victim run on the host breaches at once). One name per looper: the
    // two share the jail's namespace, where one's socket bound to a shared name would make the other's
    // bind fail as in the host's (a breach reported where there was none).
    const hostName = `sysjail-failclosed-${token()}`;
    const [name32, name64] = [`${hostName}-32`, `${hostName}-64`];
    const stopHostServices = [await hostServe(name32, 'host'), await hostServe(name64, 'host')];
    try {
      const unmediated = spawn(hostProbe(), ['unix-loop', name64, join(fx.base, 'host-breach')]);
      expect(await new Promise((resolve) => unmediated.on('close', resolve))).toBe(9);
      expect(readFileSync(join(fx.base, 'host-breach'), 'utf8')).toBe('socket-direct host\n');

      const jail = startJailCommand(
        fx,
        [
          fx.root,
          'unix.example',
          '127.0.0.25',
          '/bin/sh',
          '-c',
          `/bin/probe32 unix-loop ${name32} /tmp/breach32 & exec /bin/probe64 unix-loop ${name64} /tmp/breach64`,
        ],
        { timeoutMs: 30_000 },
      );
      const looping = () =>
        jail
          .stdout()
          .split('\n')
          .filter((l) => l === 'looping').length;
      await jail.waitFor(/^looping$/);
      expect(await eventually(() => looping() === 2, 10_000)).toBe(true);
      const record = await waitForRecord(fx.runDir);
      const procs = cgroupProcs(record.cgroupPath!);
      expect(procs.length).toBe(3); // init, probe64, probe32
      // The jail's UNIX namespace: the one network namespace the supervisor holds that is not the host's.
      // The host's is this test's (the supervisor was started in it), not the one /proc/<supervisor>/ns/net
      // shows: the supervisor's main thread answers the loopers' calls and is in the jail's namespace
      // for each UNIX socket it makes (and holds the host's by descriptor to go back).
      const supervisor = jail.child.pid!;
      const host = readlinkSync('/proc/thread-self/ns/net');
      const jailNs = [...new Set(netnsFds(supervisor))].filter((n) => n !== host);
      expect(jailNs).toHaveLength(1);

      // The supervisor stopped, each looper soon waits in a mediated call it cannot answer; then killed.
      process.kill(supervisor, 'SIGSTOP');
      const loopers = procs.filter((p) =>
        /^probe(32|64)$/.test(readFileSync(`/proc/${p}/comm`, 'utf8').trim()),
      );
      expect(loopers).toHaveLength(2);
      const blockedIn = (p: number) => readFileSync(`/proc/${p}/syscall`, 'utf8').split(' ')[0];
      const waiting = await eventually(() => loopers.every((p) => /^[0-9]+$/.test(blockedIn(p))), 5000);
      const calls = loopers.map(blockedIn);
      process.kill(supervisor, 'SIGKILL');
      expect(waiting, `loopers in ${calls.join(', ')}`).toBe(true);
      expect(await eventually(() => procs.every((p) => !alive(p)), 5000)).toBe(true);
      const r = await jail.done;
      expect(r.signal).toBe('SIGKILL');
      // Every call after the kill failed or the caller died first: none made a socket in the host's.
      const root = (f: string) => join(fx.root, 'tmp', f);
      expect([existsSync(root('breach64')), existsSync(root('breach32'))]).toEqual([false, false]);
      // Each looper made its .failed file before looping; a record in it is one write.
      expect([existsSync(root('breach64.failed')), existsSync(root('breach32.failed'))]).toEqual([
        true,
        true,
      ]);
      const failed = ['breach64.failed', 'breach32.failed']
        .filter((f) => readFileSync(root(f), 'utf8') !== '')
        .map((f) => `${f}: ${readFileSync(root(f), 'utf8').trim().replaceAll('\n', ', ')}`);
      // A call that did return after the kill failed as the kernel fails a call nobody can answer.
      for (const f of failed) expect(f).toMatch(/^breach(32|64)\.failed: ([a-z]+-[a-z]+ ENOSYS(, |$))+$/);
      console.info(
        `loopers waiting in syscalls ${calls.join(', ')} when the supervisor was killed; calls seen failing: ${failed.join('; ') || 'none'}`,
      );
      // The jail's namespace died with it: no process is in it or holds it, nothing mounts it.
      const held = await eventually(() => holdersOf(jailNs[0]).length === 0, 15_000);
      const status = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').slice(0, 3).join(' ');
        } catch {
          return `${pid} gone`;
        }
      };
      expect(held, `held by ${holdersOf(jailNs[0]).map(status).join('; ')}`).toBe(true);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(jailNs[0]);
      // jls drops the dead supervisor's record.
      expect((await runTool(fx, 'jls', ['-h', 'jid'])).stdout).toBe('jid\n');
      expect(registryEntries(fx.runDir)).toEqual([]);
      // What the killed supervisor could not remove: its jail's (empty) cgroup, removed here.
      for (const name of cgroupsOf(supervisor)) {
        expect(cgroupProcs(join(CGROUP_PARENT, name))).toEqual([]);
        rmdirSync(join(CGROUP_PARENT, name));
      }
    } finally {
      for (const stop of stopHostServices) stop();
    }
  }, 60_000);
});
