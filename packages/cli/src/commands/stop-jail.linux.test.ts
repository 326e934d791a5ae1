import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '@sysjail/core';
import { afterAll, describe, expect, it } from 'vitest';
import { JailNotFoundError } from '../errors.js';
import { stopJail } from './stop-jail.js';

const dir = mkdtempSync(join(tmpdir(), 'sysjail-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const core = createRequire(import.meta.url).resolve('@sysjail/core');

/**
 * A stand-in supervisor: registers a jail whose "init" is a `sleep` it started, deregisters when that
 * init dies, and handles SIGTERM by stopping it (or ignores SIGTERM, like a wedged supervisor).
 */
function supervisor(
  name: string,
  onTerm: 'stop' | 'ignore',
): Promise<{ pid: number; exited: Promise<number | null> }> {
  const script = `
    import { spawn } from 'node:child_process';
    import { openRegistry, processStartTime } from ${JSON.stringify(core)};
    const reg = openRegistry(process.argv[1]);
    const init = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => init.on('spawn', r));
    const rec = reg.allocate({ name: process.argv[2], path: '/j', hostname: 'h', ipv4: ['127.0.0.1'], ipv6: [], flags: {},
      emulation: 'linux', supervisorPid: process.pid, initPid: init.pid, initStartTime: processStartTime(init.pid) });
    process.on('SIGTERM', () => { if (process.argv[3] === 'stop') init.kill('SIGKILL'); });
    init.on('exit', () => { reg.remove(rec.jid); process.exit(0); });
    process.stdout.write('up\\n');
  `;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, join(dir, 'jails'), name, onTerm],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve({ pid: child.pid as number, exited }));
    child.on('error', reject);
  });
}

describe('jail -r (stopJail)', () => {
  it('asks the supervisor with SIGTERM; it stops the jail and deregisters', async () => {
    const s = await supervisor('polite', 'stop');
    const reg = openRegistry(join(dir, 'jails'));
    expect(reg.find('polite')?.supervisorPid).toBe(s.pid);
    await stopJail(reg, 'polite');
    expect(reg.find('polite')).toBeUndefined();
    expect(await s.exited).toBe(0);
  });

  it('kills the init of a jail whose supervisor ignores SIGTERM', async () => {
    const s = await supervisor('wedged', 'ignore');
    const reg = openRegistry(join(dir, 'jails'));
    const jid = reg.find('wedged')?.jid as number;
    const t0 = Date.now();
    await stopJail(reg, jid, 500);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(reg.find(jid)).toBeUndefined();
    expect(await s.exited).toBe(0);
  });

  it('refuses an unknown jail', async () => {
    await expect(stopJail(openRegistry(join(dir, 'jails')), 'nope')).rejects.toThrow(JailNotFoundError);
  });
});
