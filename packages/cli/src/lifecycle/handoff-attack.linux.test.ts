/**
 * The hand-off under attack: hand-made clients of the supervisor's `run` protocol (a request split,
 * followed by junk, for another tool or form, with a wrong or stolen proof, from a confined caller),
 * clients that never read or never close, and the statuses and signals of jail(8) compared with a jail
 * it keeps itself. The supervisor must start no jail it should not, keep serving the others, and keep
 * nothing (descriptors, records) once its clients are gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proofFromLink } from '../daemon/proof-link.js';
import { supervisorBase } from '../daemon/supervisor-name.js';
import { binDir, type JailFixture, jailBin, makeJailFixture } from '../integration/jail-fixture.js';
import { waitUntil } from '../integration/jail-traces.js';
import { runJail, startBackground, startJailCommand, startProgram } from '../integration/run-tool.js';

const SUPERVISOR_SCRIPT = join(binDir, '..', 'daemon', 'supervisor-main.js');

let fx: JailFixture;
let supervisor: { pid: number; socket: string; proofFd: number };
let proof: string;
let rawClientScript: string;

// A client of the supervisor's socket driven by the test: each line on its fd 3 is a JSON command
// ({write}: bytes to send, {end}: end its side); what the supervisor sends comes out on its fd 4, then
// CLOSE. Its stdin, stdout and stderr are what it offers the jail.
const RAW_CLIENT = `
const net = require('node:net');
const fs = require('node:fs');
const conn = net.connect(process.argv[2]);
conn.setEncoding('utf8');
conn.on('data', (d) => fs.writeSync(4, d));
conn.on('error', (e) => fs.writeSync(4, 'ERROR ' + e.code + '\\n'));
conn.on('close', () => { fs.writeSync(4, 'CLOSE\\n'); process.exit(0); });
const ctl = new net.Socket({ fd: 3, readable: true, writable: false });
ctl.setEncoding('utf8');
let buf = '';
ctl.on('data', (d) => {
  buf += d;
  for (let nl = buf.indexOf('\\n'); nl >= 0; nl = buf.indexOf('\\n')) {
    const cmd = JSON.parse(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
    if (cmd.write !== undefined) conn.write(cmd.write);
    if (cmd.end) conn.end();
  }
});
ctl.on('end', () => process.exit(0));
`;

interface RawClient {
  readonly child: ChildProcess;
  send(chunk: string): void;
  end(): void;
  /** What the supervisor sent so far (lines, then CLOSE). */
  lines(): string[];
  /** Resolves with the first line `test` accepts. */
  line(test: (l: string) => boolean, what: string): Promise<string>;
  readonly exited: Promise<void>;
}

function rawClient(wrapper: readonly string[] = [], stdout: 'pipe' | 'ignore' = 'ignore'): RawClient {
  const argv = [...wrapper, process.execPath, rawClientScript, supervisor.socket];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: fx.env,
    stdio: ['ignore', stdout, 'ignore', 'pipe', 'pipe'],
  });
  let got = '';
  (child.stdio[4] as Socket).setEncoding('utf8').on('data', (d: string) => {
    got += d;
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const lines = () => got.split('\n').filter((l) => l !== '');
  return {
    child,
    send: (chunk) => (child.stdio[3] as Socket).write(`${JSON.stringify({ write: chunk })}\n`),
    end: () => (child.stdio[3] as Socket).write(`${JSON.stringify({ end: true })}\n`),
    lines,
    line: (test, what) => waitUntil(() => lines().find(test), 15_000, what),
    exited,
  };
}

const runLine = (argv: readonly string[], extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ op: 'run', tool: 'jail', argv, env: fx.env, proof, ...extra })}\n`;

const isBack = (l: string) => l.startsWith('{"back"');
const recordOf = (host: string) =>
  fx
    .registry()
    .list()
    .find((r) => r.hostname === host);
const recorded = (host: string) =>
  waitUntil(() => (recordOf(host)?.initPid ? recordOf(host) : undefined), 15_000, `the jail ${host}`);
const supervisorFds = () => readdirSync(`/proc/${supervisor.pid}/fd`).length;

beforeAll(async () => {
  fx = makeJailFixture('handoff-attack');
  rawClientScript = join(fx.base, 'raw-client.cjs');
  writeFileSync(rawClientScript, RAW_CLIENT);
  await startBackground(fx, [fx.root, 'keeper', '127.0.72.1', '/bin/sleep', '1000']);
  supervisor = JSON.parse(readFileSync(`${supervisorBase(fx.runDir, SUPERVISOR_SCRIPT)}.pid`, 'utf8'));
  proof = proofFromLink(supervisor.pid, supervisor.proofFd) ?? '';
  expect(proof).toMatch(/^[0-9a-f]{32}$/);
});
afterAll(() => fx?.cleanup());

describe('a hand-made hand-off client', () => {
  it('is taken with the right request, sent in pieces (the baseline the refusals below differ from)', async () => {
    const c = rawClient();
    const line = runLine([fx.root, 'ha-split', '127.0.72.2', '/bin/sh', '-c', 'exit 3']);
    for (let i = 0; i < line.length; i += 100) c.send(line.slice(i, i + 100));
    expect(await c.line((l) => l.startsWith('{"exit"'), 'the exit')).toBe('{"exit":3}');
    expect(c.lines()[0]).toBe('{"accepted":true}');
    await c.exited;
  });

  it('a signal line after junk and a null line still reaches the init', async () => {
    const c = rawClient();
    c.send(runLine([fx.root, 'ha-null', '127.0.72.3', '/bin/sleep', '100']));
    await c.line((l) => l === '{"accepted":true}', 'accepted');
    const record = await recorded('ha-null');
    expect(record.supervisorPid).toBe(supervisor.pid);
    c.send('junk\nnull\n{"signal":"SIGTERM"}\n');
    expect(await c.line((l) => l.startsWith('{"exit"'), 'the exit')).toBe('{"exit":143}');
    await c.exited;
    expect(recordOf('ha-null')).toBeUndefined();
  });
});
