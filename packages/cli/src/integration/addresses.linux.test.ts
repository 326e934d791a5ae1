/**
 * Real jail addresses, inside a network namespace this test makes (an interface with 192.0.2.0/24 and
 * 2001:db8::/64; nothing leaves it): a jail on 192.0.2.10 serves only there; `iface|addr` aliases appear
 * while the jail runs and are gone after `jail -r`, and after a killed supervisor once the registry is
 * healed; an address the host lacks is refused by name. The tools run with nsenter --net (the mount
 * namespace stays the host's, where cgroup2 is mounted).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess, openRegistry } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from './jail-fixture.js';
import { runProcess } from './run-tool.js';

const NS = `sjhost-${process.pid}`;
let fx: JailFixture;

function ip(...args: string[]): string {
  return execFileSync('ip', ['-n', NS, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A program run in the test's network namespace: status, stdout, stderr. */
const inNetns = (file: string, args: readonly string[]) =>
  runProcess(fx, 'nsenter', [`--net=/run/netns/${NS}`, file, ...args]);

const tool = (name: string, args: readonly string[]) =>
  inNetns(process.execPath, [join(binDir, `${name}.js`), ...args]);
/** GET /hosts from host:port, run in the namespace: the body, or the connect error's code on stderr. */
const CLIENT = `const s = require('node:net').connect(+process.argv[2], process.argv[1]);
let out = '';
s.on('data', (d) => (out += d));
s.on('end', () => process.stdout.write(out.slice(out.indexOf('\\r\\n\\r\\n') + 4)));
s.on('error', (e) => { process.stderr.write(e.code); process.exitCode = 1; });
s.write('GET /hosts HTTP/1.0\\r\\n\\r\\n');`;
const get = (host: string, port: number) => inNetns(process.execPath, ['-e', CLIENT, host, String(port)]);
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    if (await check()) return;
  }
  throw new Error(`not within 10 s: ${what}`);
}
const addressesOf = () => ip('-o', 'addr', 'show', 'dev', 'd0');

beforeAll(() => {
  fx = makeJailFixture('addr');
  execFileSync('ip', ['netns', 'add', NS]);
  ip('link', 'set', 'lo', 'up');
  try {
    ip('link', 'add', 'd0', 'type', 'dummy');
  } catch {
    // no dummy driver on this kernel: a veth pair, both ends in the namespace
    ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    ip('link', 'set', 'd1', 'up');
  }
  ip('link', 'set', 'd0', 'up');
  ip('addr', 'add', '192.0.2.1/24', 'dev', 'd0');
  ip('addr', 'add', '192.0.2.10/24', 'dev', 'd0');
  ip('addr', 'add', '2001:db8::1/64', 'dev', 'd0', 'nodad');
  ip('addr', 'add', '2001:db8::10/64', 'dev', 'd0', 'nodad');
});

afterAll(() => {
  if (fx) {
    for (const r of openRegistry(join(fx.runDir, 'jails')).list()) {
      if (isSameProcess(r.supervisorPid, r.supervisorStartTime)) process.kill(r.supervisorPid, 'SIGKILL');
    }
  }
  try {
    execFileSync('ip', ['netns', 'del', NS]);
  } catch {}
  fx?.cleanup();
});

describe('jail addresses in a test network namespace', () => {
  it('a jail on 192.0.2.10 binding 0.0.0.0 and :: serves on its own addresses only', async () => {
    const v4 = await tool('sysjail', [
      '-b',
      '-n',
      'web4',
      fx.root,
      'web.example',
      '192.0.2.10,2001:db8::10',
      '/bin/busybox',
      'httpd',
      '-f',
      '-p',
      '0.0.0.0:7001',
      '-h',
      '/etc',
    ]);
    expect(v4).toMatchObject({ status: 0, stderr: '' });
    const v6 = await tool('sysjail', [
      '-b',
      '-n',
      'web6',
      fx.root,
      'web.example',
      '192.0.2.10,2001:db8::10',
      '/bin/busybox',
      'httpd',
      '-f',
      '-p',
      '[::]:7002',
      '-h',
      '/etc',
    ]);
    expect(v6).toMatchObject({ status: 0, stderr: '' });
    const hosts = readFileSync(join(fx.root, 'etc/hosts'), 'utf8');
    await until(async () => (await get('192.0.2.10', 7001)).stdout === hosts, 'httpd on 192.0.2.10');
    expect(await get('2001:db8::10', 7002)).toMatchObject({ status: 0, stdout: hosts });
    // nothing listens on the namespace's other addresses
    for (const [host, port] of [
      ['192.0.2.1', 7001],
      ['127.0.0.1', 7001],
      ['2001:db8::1', 7002],
      ['::1', 7002],
    ] as const) {
      expect(await get(host, port), host).toMatchObject({ status: 1, stderr: 'ECONNREFUSED' });
    }
    const listening = (await inNetns('ss', ['-Hltn'])).stdout;
    expect(listening).toMatch(/192\.0\.2\.10:7001/);
    expect(listening).toMatch(/\[2001:db8::10\]:7002/);
    expect(await tool('jail', ['-r', 'web4'])).toMatchObject({ status: 0 });
    expect(await tool('jail', ['-r', 'web6'])).toMatchObject({ status: 0 });
  });

  it('iface|addr aliases are added while the jail runs and removed by jail -r', async () => {
    expect(addressesOf()).not.toMatch(/192\.0\.2\.11/);
    const r = await tool('sysjail', [
      '-b',
      '-n',
      'alias',
      '-6',
      'd0|2001:db8::11',
      fx.root,
      'alias.example',
      'd0|192.0.2.11/24',
      '/bin/busybox',
      'httpd',
      '-f',
      '-p',
      '0.0.0.0:7003',
      '-h',
      '/etc',
    ]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(addressesOf()).toMatch(/inet 192\.0\.2\.11\/24 /);
    expect(addressesOf()).toMatch(/inet6 2001:db8::11\/128 /);
    const record = openRegistry(join(fx.runDir, 'jails')).find('alias');
    expect(record?.aliases).toEqual([
      { interface: 'd0', address: '192.0.2.11', prefixLength: 24 },
      { interface: 'd0', address: '2001:db8::11', prefixLength: 128 },
    ]);
    // the jail serves on it
    const hosts = readFileSync(join(fx.root, 'etc/hosts'), 'utf8');
    await until(async () => (await get('192.0.2.11', 7003)).stdout === hosts, 'httpd on the alias');
    expect(await tool('jail', ['-r', 'alias'])).toMatchObject({ status: 0 });
    expect(addressesOf()).not.toMatch(/192\.0\.2\.11|2001:db8::11/);
    expect(addressesOf()).toMatch(/192\.0\.2\.10\/24/); // the host's own addresses stay
  });

  it('after a killed supervisor the aliases go when the stale record is healed (jls)', async () => {
    const r = await tool('sysjail', [
      '-b',
      '-n',
      'crash',
      fx.root,
      'h',
      'd0|192.0.2.12',
      '/bin/sleep',
      '600',
    ]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(addressesOf()).toMatch(/192\.0\.2\.12\/32/);
    const record = openRegistry(join(fx.runDir, 'jails')).find('crash');
    process.kill(record!.supervisorPid, 'SIGKILL');
    await until(() => !isSameProcess(record!.supervisorPid, record!.supervisorStartTime), 'supervisor gone');
    expect(addressesOf()).toMatch(/192\.0\.2\.12/); // nobody removed it yet
    expect(await tool('jls', [])).toMatchObject({ status: 0 });
    expect(addressesOf()).not.toMatch(/192\.0\.2\.12/);
  });

  it('a plain address the host lacks is refused by name; an alias the interface already has too', async () => {
    const missing = await tool('jail', [fx.root, 'h', '192.0.2.99', '/bin/true']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^jail: 192\.0\.2\.99: not an address of this host/);
    const taken = await tool('jail', [fx.root, 'h', 'd0|192.0.2.10/24', '/bin/true']);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/^jail: d0\|192\.0\.2\.10: the interface already has this address/);
    expect(addressesOf()).toMatch(/192\.0\.2\.10\/24/); // not the jail's to remove
    const noIface = await tool('jail', [fx.root, 'h', 'nosuch0|192.0.2.13', '/bin/true']);
    expect(noIface.status).toBe(1);
    expect(noIface.stderr).toMatch(/nosuch0: no such interface/);
    expect(openRegistry(join(fx.runDir, 'jails')).list()).toEqual([]);
  });
});
