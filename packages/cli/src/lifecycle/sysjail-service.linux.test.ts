/**
 * The boot side: `sysjail-service install` writes a unit that systemd-analyze accepts, and the
 * commands the unit runs create the jails of jail_list at boot and remove every jail at shutdown.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { runTool } from '../integration/run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('svc');
});
afterAll(() => fx?.cleanup());

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

describe('sysjail-service', () => {
  it('install writes the unit and a default sysjail.conf (jail_enable="NO")', async () => {
    const dest = join(fx.base, 'dest');
    const r = await runTool(fx, 'sysjail-service', ['-d', dest, 'install']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const unit = join(dest, 'etc/systemd/system/sysjail.service');
    expect(readFileSync(unit, 'utf8')).toContain('ExecStop=');
    expect(readFileSync(join(dest, 'etc/sysjail.conf'), 'utf8')).toContain('jail_enable="NO"');
  });

  it.runIf(hasSystemdAnalyze)('systemd-analyze verify accepts the unit', () => {
    const unit = join(fx.base, 'dest/etc/systemd/system/sysjail.service');
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('start creates the jails of jail_list, stop removes every jail', async () => {
    const conf = join(fx.base, 'jail.conf');
    writeFileSync(
      conf,
      `path = "${fx.root}"; persist; exec.poststop = "touch ${fx.base}/$name.stopped";\n` +
        'one { ip4.addr = 127.0.10.11; }\ntwo { ip4.addr = 127.0.10.12; }\nthree { ip4.addr = 127.0.10.13; }\n',
    );
    const svc = join(fx.base, 'sysjail.conf');
    writeFileSync(svc, `jail_enable="YES"\njail_list="one two"\njail_conf="${conf}"\njail_flags="-v"\n`);
    const start = await runTool(fx, 'sysjail-service', ['-f', svc, 'start']);
    expect(start.stderr).toBe('');
    expect(start.stdout).toBe('one: created\ntwo: created\n');
    expect(start.status).toBe(0);
    expect(
      fx
        .registry()
        .list()
        .map((r) => r.name)
        .sort(),
    ).toEqual(['one', 'two']);
    const stop = await runTool(fx, 'sysjail-service', ['-f', svc, 'stop']);
    expect(stop.stderr).toBe('');
    expect(
      stop.stdout
        .split('\n')
        .filter((l) => l.endsWith(': removed'))
        .sort(),
    ).toEqual(['one: removed', 'two: removed']);
    expect(stop.status).toBe(0);
    expect(fx.registry().list()).toEqual([]);
    expect(existsSync(join(fx.base, 'one.stopped'))).toBe(true);
    // Nothing left to stop is not a failure at shutdown.
    expect((await runTool(fx, 'sysjail-service', ['-f', svc, 'stop'])).status).toBe(0);
  });
});
