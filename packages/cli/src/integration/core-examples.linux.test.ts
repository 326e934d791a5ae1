/**
 * The runnable examples of @sysjail/core (packages/core/examples), each run as a user would: copied into
 * an empty project whose node_modules holds the workspace's core and emul-linux, with a real jail root.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';

const packages = fileURLToPath(new URL('../../../', import.meta.url));
const examples = join(packages, 'core', 'examples');

let fx: JailFixture;
let project: string;
beforeAll(() => {
  fx = makeJailFixture('examples');
  mkdirSync(join(fx.root, 'tmp'), { recursive: true, mode: 0o1777 });
  project = join(fx.base, 'project');
  mkdirSync(join(project, 'node_modules', '@sysjail'), { recursive: true });
  for (const pkg of ['core', 'emul-linux']) {
    symlinkSync(join(packages, pkg), join(project, 'node_modules', '@sysjail', pkg));
  }
  for (const f of readdirSync(examples))
    if (f.endsWith('.mjs')) copyFileSync(join(examples, f), join(project, f));
});
afterAll(() => fx?.cleanup());

/** Runs an example; its last line of output is its JSON report. */
function run(example: string, ...args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [join(project, example), fx.root, ...args], {
    cwd: project,
    env: { ...fx.env, NODE_PATH: '' },
    timeout: 60_000,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

describe('core examples', () => {
  it('listener-mkdir: mkdir under /etc refused, elsewhere made by the listener, calls counted', () => {
    rmSync(join(fx.root, 'tmp', 'fine'), { recursive: true, force: true });
    const r = run(
      'listener-mkdir.mjs',
      '/bin/sh',
      '-c',
      'mkdir /etc/evil; mkdir /tmp/fine; mkdir /tmp/../etc/evil2; ln -s /etc /tmp/etc-link; mkdir /tmp/etc-link/evil3; true',
    );
    expect(r.counts).toEqual({ calls: 4, refused: 3, made: 1, failed: 0 });
    expect(r.byCall).toEqual({ mkdir: { denied: 3, emulated: 1 } });
    expect(existsSync(join(fx.root, 'tmp', 'fine'))).toBe(true);
    for (const name of ['evil', 'evil2', 'evil3']) expect(existsSync(join(fx.root, 'etc', name))).toBe(false);
  });

  it('listener-throws: the call is denied with EPERM, counted and audited; the jail goes on', () => {
    const r = run('listener-throws.mjs');
    expect(r.exit).toBe(0);
    expect(r.listenerFailures).toBe(1);
    expect(r.byCall).toEqual({ mkdir: { denied: 1, emulated: 0 } });
    expect(r.audits).toEqual([
      expect.objectContaining({
        syscall: 'mkdir',
        errno: 'EPERM',
        reason: 'listener 0 failed: this listener is broken',
      }),
    ]);
    expect(existsSync(join(fx.root, 'tmp', 'never'))).toBe(false);
  });

  it("sub-policy: a command exec'd under a stricter sub-policy, and its child, cannot mkdir; the rest of the jail can", () => {
    for (const d of ['plain', 'moved', 'child', 'by-command'])
      rmSync(join(fx.root, 'tmp', d), { recursive: true, force: true });
    const r = run('sub-policy.mjs');
    expect(r).toEqual({
      exit: 0,
      plain: 'plain 0',
      moved: ['moved 1', 'child 1'],
      command: 'command 0',
      made: ['plain', 'by-command'],
    });
  });

  it('move-to-sub-policy: a running process and its child moved under a stricter sub-policy are refused mkdir; their sibling is not', () => {
    for (const d of ['moved-1', 'moved-2', 'moved-child-1', 'moved-child-2', 'sibling-1', 'sibling-2'])
      rmSync(join(fx.root, 'tmp', d), { recursive: true, force: true });
    const r = run('move-to-sub-policy.mjs');
    expect(r).toEqual({
      exit: 0,
      moved: true,
      killed: [],
      out: { moved: ['1 0', '2 1'], 'moved-child': ['1 0', '2 1'], sibling: ['1 0', '2 0'] },
    });
    for (const d of ['moved-1', 'moved-child-1', 'sibling-1', 'sibling-2'])
      expect(existsSync(join(fx.root, 'tmp', d))).toBe(true);
    for (const d of ['moved-2', 'moved-child-2']) expect(existsSync(join(fx.root, 'tmp', d))).toBe(false);
  });

  it("tighten-running-jail: mkdir refused after jail.change({ rules }) in the running command and in a later jexec'd one", () => {
    for (const d of ['made1', 'made2', 'made-later'])
      rmSync(join(fx.root, 'tmp', d), { recursive: true, force: true });
    const r = run('tighten-running-jail.mjs');
    expect(r).toEqual({ exit: 0, out: ['1 0', '2 1'], later: 'later 1', commandMoved: true, killed: [] });
    expect(existsSync(join(fx.root, 'tmp', 'made1'))).toBe(true);
    for (const d of ['made2', 'made-later']) expect(existsSync(join(fx.root, 'tmp', d))).toBe(false);
  });

  it('runtime-raw-sockets: raw sockets refused, allowed, refused again in one running jail', () => {
    const r = run('runtime-raw-sockets.mjs', '127.0.23.1');
    expect(r.exit).toBe(0);
    expect(r.results).toEqual([
      { allowRawSockets: false, socket: 'refused' },
      { allowRawSockets: true, socket: 'created' },
      { allowRawSockets: false, socket: 'refused' },
    ]);
  });
});
