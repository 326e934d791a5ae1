/**
 * jail.conf's mount.fstab with a real fstab file (a nullfs ro line and a tmpfs line, as FreeBSD admins
 * write them) and exec.clean: `jail -c` mounts both in the jail, observed from inside through jexec
 * (read-only for jailed root, the tmpfs private to the jail), the host's mount table never has them,
 * exec.start ran in the user's home; `jail -r` leaves nothing mounted, running or registered.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { type JailSnapshot, snapshotJail, waitGone } from '../integration/jail-traces.js';
import { runTool } from '../integration/run-tool.js';

let fx: JailFixture;
let root: string;
let srv: string;
let conf: string;
const ADDR = '127.0.13.40';

/** The host's mount table lines that name the jail root. */
const hostMountsUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));

beforeAll(() => {
  fx = makeJailFixture('fstab');
  root = join(fx.base, 'www');
  execFileSync(process.execPath, [join(binDir, 'mkjail.js'), root], { stdio: 'pipe' });
  mkdirSync(join(root, 'usr/local/www'), { recursive: true });
  mkdirSync(join(root, 'scratch'));
  writeFileSync(join(root, 'scratch', 'under-the-tmpfs'), 'hidden while mounted\n');
  srv = join(fx.base, 'srv');
  mkdirSync(srv);
  writeFileSync(join(srv, 'index.html'), 'served from the host\n');
  const fstab = join(fx.base, 'fstab.www');
  writeFileSync(
    fstab,
    `# device            mount point                  type   options            dump pass
${srv}\t${root}/usr/local/www\tnullfs\tro\t0\t0
tmpfs   ${root}/scratch   tmpfs   rw,size=1m,mode=1777   0   0
`,
  );
  conf = join(fx.base, 'jail.conf');
  writeFileSync(
    conf,
    `www {
  path = "${root}";
  host.hostname = www.example;
  ip4.addr = ${ADDR};
  mount.fstab = "${fstab}";
  exec.clean;
  exec.consolelog = "${fx.base}/www.console";
  exec.start = "pwd";
  persist;
  stop.timeout = 2;
}
`,
  );
});
afterAll(() => fx?.cleanup());

describe('jail.conf mount.fstab', () => {
  let www: JailSnapshot;

  it('jail -c mounts the fstab lines in the jail; exec.clean starts exec.start in HOME', async () => {
    const r = await runTool(fx, 'jail', ['-f', conf, '-c', 'www']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const reg = fx.registry();
    www = snapshotJail(reg, (reg.find('www') ?? { jid: 0 }).jid);
    expect(readFileSync(join(fx.base, 'www.console'), 'utf8')).toBe('/root\n');
    // The mounts are the jail's: the host's mount table has none of them.
    expect(hostMountsUnder(root)).toEqual([]);
  });

  it('the nullfs line: the host directory, read-only for jailed root (write, remount, umount)', async () => {
    const cat = await runTool(fx, 'jexec', ['www', '/bin/cat', '/usr/local/www/index.html']);
    expect(cat).toMatchObject({ status: 0, stdout: 'served from the host\n' });
    const write = await runTool(fx, 'jexec', ['www', '/bin/sh', '-c', 'echo x > /usr/local/www/planted']);
    expect(write.status).not.toBe(0);
    expect(write.stderr).toContain('Read-only file system');
    const remount = await runTool(fx, 'jexec', ['www', '/bin/mount', '-o', 'remount,rw', '/usr/local/www']);
    expect(remount.status).not.toBe(0);
    const umount = await runTool(fx, 'jexec', ['www', '/bin/umount', '/usr/local/www']);
    expect(umount.status).not.toBe(0);
    const after = await runTool(fx, 'jexec', ['www', '/bin/sh', '-c', 'echo y > /usr/local/www/planted']);
    expect(after.status).not.toBe(0);
    expect(readdirSync(srv)).toEqual(['index.html']);
  });

  it('the tmpfs line: an empty tmpfs of its size over the jail directory, writable, never on the host', async () => {
    const fs = await runTool(fx, 'jexec', ['www', '/bin/stat', '-f', '-c', '%T', '/scratch']);
    expect(fs).toMatchObject({ status: 0, stdout: 'tmpfs\n' });
    const ls = await runTool(fx, 'jexec', ['www', '/bin/ls', '-A', '/scratch']);
    expect(ls).toMatchObject({ status: 0, stdout: '' });
    const df = await runTool(fx, 'jexec', ['www', '/bin/df', '-k', '/scratch']);
    expect(df.stdout.split('\n')[1]).toMatch(/^\S+\s+1024\s.*\/scratch$/);
    const mode = await runTool(fx, 'jexec', ['www', '/bin/stat', '-c', '%a', '/scratch']);
    expect(mode).toMatchObject({ status: 0, stdout: '1777\n' });
    const write = await runTool(fx, 'jexec', [
      'www',
      '/bin/sh',
      '-c',
      'echo in-jail > /scratch/note && cat /scratch/note',
    ]);
    expect(write).toMatchObject({ status: 0, stdout: 'in-jail\n' });
    const full = await runTool(fx, 'jexec', [
      'www',
      '/bin/dd',
      'if=/dev/zero',
      'of=/scratch/big',
      'bs=1024',
      'count=2048',
    ]);
    expect(full.status).not.toBe(0);
    expect(full.stderr).toContain('No space left on device');
    expect(readdirSync(join(root, 'scratch'))).toEqual(['under-the-tmpfs']);
  });

  it('jail -r: nothing left mounted, running or registered', async () => {
    const r = await runTool(fx, 'jail', ['-f', conf, '-r', 'www']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(await waitGone(www)).toEqual([]);
    expect(fx.registry().list()).toEqual([]);
    expect(hostMountsUnder(root)).toEqual([]);
    expect(hostMountsUnder(srv)).toEqual([]);
    expect(readdirSync(join(root, 'scratch'))).toEqual(['under-the-tmpfs']);
    expect(readdirSync(join(root, 'usr/local/www'))).toEqual([]);
    expect(existsSync(join(srv, 'planted'))).toBe(false);
  });
});
