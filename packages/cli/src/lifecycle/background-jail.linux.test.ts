/**
 * sysjail -b: the JID is printed once the jail is up, the jail outlives the shell that started it, the
 * jls/sjls views show it, and jail -r / sysjail -r end it without a trace (processes, supervisor,
 * registry record, cgroup, mounts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { leftovers, snapshotJail, waitGone, waitUntil } from '../integration/jail-traces.js';
import { runTool, startBackground, sysjailFromShell } from '../integration/run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('bg');
});
afterAll(() => fx?.cleanup());

const jlsLine = (jid: number, ip: string, host: string, path: string) =>
  `${String(jid).padStart(6)}  ${ip.padEnd(15)} ${host.padEnd(29)} ${path}`;
const JLS_HEADER = '   JID  IP Address      Hostname                      Path';

describe('sysjail -b', () => {
  it('prints the JID, returns, and the jail outlives the shell that started it; jail -r ends it', async () => {
    const r = await sysjailFromShell(fx, [
      '-n',
      'web',
      fx.root,
      'www.example',
      '127.0.0.5',
      '/bin/sleep',
      '1000',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = /^([0-9]+)\nshell:([0-9]+)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const jid = Number(m?.[1]);
    const shellPid = Number(m?.[2]);
    // The shell has exited; the jail is up and stays up.
    expect(existsSync(`/proc/${shellPid}`)).toBe(false);
    // The command runs once the supervisor's go reaches the init: a moment after sysjail -b returned.
    const s = await waitUntil(
      () => {
        const snap = snapshotJail(fx.registry(), jid);
        return snap.processes.length === 2 && snap; // sysjail-init and sleep
      },
      5000,
      'the jailed sleep',
    );
    expect(s.record).toMatchObject({
      jid,
      name: 'web',
      hostname: 'www.example',
      path: fx.root,
      ipv4: ['127.0.0.5'],
    });
    const supervisorPpid = Number(
      readFileSync(`/proc/${s.record.supervisorPid}/stat`, 'utf8').split(') ')[1].split(' ')[1],
    );
    expect(supervisorPpid).not.toBe(shellPid);
    expect(s.processes.map((p) => p.pid)).toContain(s.record.initPid);
    await new Promise((res) => setTimeout(res, 300));
    expect(leftovers(s)).toEqual([
      `supervisor ${s.record.supervisorPid} runs`,
      ...s.processes.map((p) => `process ${p.pid} runs`),
      `pids in the jail's namespace: ${s.processes.map((p) => p.pid).join(' ')}`,
      `cgroup ${s.record.cgroupPath}`,
      `registry record ${s.recordFile}`,
    ]);

    const t0 = Date.now();
    expect(await runTool(fx, 'jail', ['-r', String(jid)])).toMatchObject({
      status: 0,
      stdout: '',
      stderr: '',
    });
    const stopMs = Date.now() - t0;
    expect(await waitGone(s, 10_000, { supervisor: false })).toEqual([]);
    expect(await waitGone(s)).toEqual([]);
    console.info(`jail -r: ${stopMs} ms; supervisor gone after ${Date.now() - t0} ms`);
    expect((await runTool(fx, 'jls', [])).stdout).toBe(`${JLS_HEADER}\n`);
  });
});

describe('a running background jail', () => {
  let jid: number;
  beforeAll(async () => {
    jid = await startBackground(fx, [
      '-n',
      'web2',
      fx.root,
      'web2.example',
      '127.0.0.5',
      '/bin/sh',
      '-c',
      'while :; do sleep 1; done',
    ]);
  });
  afterAll(async () => {
    await runTool(fx, 'jail', ['-r', String(jid)]);
  });

  it('jls lists it in FreeBSD’s columns', async () => {
    expect(await runTool(fx, 'jls', [])).toEqual({
      status: 0,
      signal: null,
      timedOut: false,
      stdout: `${JLS_HEADER}\n${jlsLine(jid, '127.0.0.5', 'web2.example', fx.root)}\n`,
      stderr: '',
    });
  });

  it('jls -n, --json, -j name, -j jid', async () => {
    const n = await runTool(fx, 'jls', ['-n']);
    expect(n.status).toBe(0);
    for (const kv of [
      `jid=${jid}`,
      'name=web2',
      `path=${fx.root}`,
      'host.hostname=web2.example',
      'ip4.addr=127.0.0.5',
      'allow.nosysvipc',
    ])
      expect(n.stdout.split(/\s+/)).toContain(kv);
    const json = JSON.parse((await runTool(fx, 'jls', ['--json'])).stdout);
    expect(json['jail-information'].jail).toEqual([
      { jid, ipv4: '127.0.0.5', hostname: 'web2.example', path: fx.root },
    ]);
    const byName = await runTool(fx, 'jls', ['-j', 'web2']);
    expect(byName.stdout).toBe(`${JLS_HEADER}\n${jlsLine(jid, '127.0.0.5', 'web2.example', fx.root)}\n`);
    expect((await runTool(fx, 'jls', ['-j', String(jid), 'name'])).stdout).toBe('web2\n');
  });

  it('sjls shows the supervisor pid, the process count and the counters', async () => {
    const record = fx.registry().find(jid);
    const json = JSON.parse((await runTool(fx, 'sjls', ['--json', '-j', 'web2'])).stdout);
    expect(json.jails).toHaveLength(1);
    const j = json.jails[0];
    expect(j).toMatchObject({ jid, supervisorPid: record?.supervisorPid, initPid: record?.initPid });
    // init, sh and (mostly) a sleep
    expect(j.processes).toBeGreaterThanOrEqual(2);
    expect(j.processes).toBeLessThanOrEqual(3);
    expect(j.denied).toBeTypeOf('number');
    expect(j.emulated).toBeTypeOf('number');
    const text = (await runTool(fx, 'sjls', ['-j', String(jid)])).stdout.split('\n');
    expect(text[0]).toMatch(/^ {3}JID {2}Emulation Supervisor {2}Procs/);
    expect(text[1].trim().split(/\s+/).slice(0, 3)).toEqual([
      String(jid),
      'linux',
      String(record?.supervisorPid),
    ]);
  });

  it('sysjail -r name stops it the same way', async () => {
    const s = snapshotJail(fx.registry(), jid);
    expect(await runTool(fx, 'sysjail', ['-r', 'web2'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(await waitGone(s)).toEqual([]);
    expect(await waitUntil(() => fx.registry().list().length === 0, 1000, 'empty registry')).toBe(true);
  });
});
