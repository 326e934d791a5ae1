/**
 * Abstract UNIX socket names (issue 9, item 8): the jail shares the host's network stack, but its UNIX
 * sockets are made in a network namespace of its own, so a name it binds is not the host's (a host
 * client is refused, a host service can still bind it: no squatting), the host's names are not the
 * jail's, nor another jail's, and the jail's own abstract, pathname and paired sockets work, on x86_64
 * and i386 (direct calls and socketcall).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';
import { startJailCommand } from './run-tool.js';
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
      const child = spawn(
        process.execPath,
        [
          join(binDir, 'sysjail.js'),
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
        ],
        { env: fx.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
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
      const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            join(binDir, 'sysjail.js'),
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
          ],
          { env: fx.env, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
        });
        child.on('close', (status) => resolve({ status, stdout }));
      });
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
