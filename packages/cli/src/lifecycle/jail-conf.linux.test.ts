/**
 * jail(8) with a real jail.conf: a `*` block, two jails with variables, exec.start running busybox
 * httpd on each jail's address, exec.consolelog, persist, depend; `jail -c` creates both (dependency
 * first), jls shows them, each serves on its own address only; `jail -r '*'` runs exec.stop and the
 * host hooks and leaves nothing behind. Plus persist without processes, a non-persistent jail ending
 * with its last process, a failing exec.start, a bad file, and a console log planted as a symlink.
 */

import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import {
  type JailSnapshot,
  leftovers,
  snapshotJail,
  waitGone,
  waitUntil,
} from '../integration/jail-traces.js';
import { runTool } from '../integration/run-tool.js';

let fx: JailFixture;
let conf: string;
const WEB = '127.0.10.1';
const DB = '127.0.10.2';
const UNUSED = '127.0.10.3';
const PORT = 8610;

/** The `name: created` / `name: removed` lines of jail -v. */
const notes = (stdout: string) => stdout.split('\n').filter((l) => /: (created|removed)$/.test(l));

/** GET http://addr:port/path → body, or the error code (ECONNREFUSED ...). */
function fetchText(addr: string, path: string, port = PORT): Promise<string> {
  return new Promise((resolve) => {
    const req = get({ host: addr, port, path, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
  });
}

function mkroot(name: string): string {
  const root = join(fx.base, name);
  execFileSync(process.execPath, [join(binDir, 'mkjail.js'), root], { stdio: 'pipe' });
  mkdirSync(join(root, 'www'));
  writeFileSync(join(root, 'www', 'name.txt'), `${name}\n`);
  return root;
}

beforeAll(() => {
  fx = makeJailFixture('conf');
  mkroot('web');
  mkroot('db');
  conf = join(fx.base, 'jail.conf');
  writeFileSync(
    conf,
    `# Two jails serving HTTP on their own addresses.
$jails = "${fx.base}";
* {
  path = "$jails/$name";
  host.hostname = "\${name}.example";
  exec.consolelog = "$jails/$name.console";
  exec.prestart = "echo prestart $name on the host";
  exec.start = "/usr/sbin/httpd $httpd_port -h /www";
  exec.start += "echo started $name";
  exec.stop = "echo stopping $name";
  exec.poststop = "touch $jails/$name.poststop";
  persist;
  stop.timeout = 3;
}
web {
  ip4.addr = ${WEB};
  $httpd_port = "-p ${WEB}:${PORT}";
  depend = db;
}
db {
  ip4.addr = ${DB};
  // busybox httpd binds the wildcard: the jail gets its own address.
  $httpd_port = "-p ${PORT}";
}
`,
  );
});
afterAll(() => fx?.cleanup());

describe('jail -c / -r with jail.conf', () => {
  let web: JailSnapshot;
  let db: JailSnapshot;

  it('creates both jails, the dependency first, and jls shows them', async () => {
    const r = await runTool(fx, 'jail', ['-v', '-f', conf, '-c', 'web']);
    expect(r.stderr).toBe('');
    expect(notes(r.stdout)).toEqual(['db: created', 'web: created']);
    expect(r.stdout).toContain(`db: run command in jail: /usr/sbin/httpd -p ${PORT} -h /www\n`);
    expect(r.status).toBe(0);
    const reg = fx.registry();
    web = snapshotJail(reg, (reg.find('web') ?? { jid: 0 }).jid);
    db = snapshotJail(reg, (reg.find('db') ?? { jid: 0 }).jid);
    expect(db.record.jid).toBeLessThan(web.record.jid);
    const jls = await runTool(fx, 'jls', []);
    expect(jls.stdout).toContain(`${String(web.record.jid).padStart(6)}  ${WEB.padEnd(15)} web.example`);
    expect(jls.stdout).toContain(`${String(db.record.jid).padStart(6)}  ${DB.padEnd(15)} db.example`);
  });

  it('each jail serves on its own address only', async () => {
    expect(await fetchText(WEB, '/name.txt')).toBe('web\n');
    expect(await fetchText(DB, '/name.txt')).toBe('db\n');
    expect(await fetchText(UNUSED, '/name.txt')).toBe('ECONNREFUSED');
  });

  it('exec.consolelog holds the hooks output, created mode 0600', () => {
    for (const name of ['web', 'db']) {
      const log = join(fx.base, `${name}.console`);
      expect(readFileSync(log, 'utf8')).toBe(`prestart ${name} on the host\nstarted ${name}\n`);
      expect(lstatSync(log).mode & 0o777).toBe(0o600);
    }
  });

  it('the jail persists: jexec runs in it, with its hostname', async () => {
    const r = await runTool(fx, 'jexec', ['web', '/bin/hostname']);
    expect(r.stdout).toBe('web.example\n');
  });

  it("jail -r '*' removes the dependent first, runs exec.stop and the host hooks, leaves nothing", async () => {
    const r = await runTool(fx, 'jail', ['-v', '-f', conf, '-r', '*']);
    expect(r.stderr).toBe('');
    expect(notes(r.stdout)).toEqual(['web: removed', 'db: removed']);
    expect(r.status).toBe(0);
    expect(await waitGone(web)).toEqual([]);
    expect(await waitGone(db)).toEqual([]);
    for (const name of ['web', 'db']) {
      expect(readFileSync(join(fx.base, `${name}.console`), 'utf8')).toBe(
        `prestart ${name} on the host\nstarted ${name}\nstopping ${name}\n`,
      );
      expect(existsSync(join(fx.base, `${name}.poststop`))).toBe(true);
    }
    expect(fx.registry().list()).toEqual([]);
    expect(await fetchText(WEB, '/name.txt')).toBe('ECONNREFUSED');
    // No console-log copier is left either: it ends with the jail's last writer.
    const copiers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l === '/bin/cat');
    expect(copiers).toEqual([]);
  });
});

describe('persist and the life of a jail', () => {
  it('a persistent jail with no process stays until removed', async () => {
    const r = await runTool(fx, 'jail', [
      '-v',
      '-c',
      `path=${join(fx.base, 'web')}`,
      'name=idle',
      'host.hostname=idle',
      'persist',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('idle: created\n');
    const jid = fx.registry().find('idle')?.jid ?? 0;
    const s = snapshotJail(fx.registry(), jid);
    expect(s.processes.length).toBe(1); // its init alone
    const jls = await runTool(fx, 'jls', ['-j', 'idle']);
    expect(jls.stdout).toContain('idle');
    expect((await runTool(fx, 'jexec', ['idle', '/bin/echo', 'in idle'])).stdout).toBe('in idle\n');
    expect(fx.registry().find('idle')).toBeDefined();
    const rm = await runTool(fx, 'jail', ['-v', '-r', 'idle']);
    expect(rm.stdout).toBe('idle: removed\n');
    expect(await waitGone(s)).toEqual([]);
  });

  it('without persist, the jail ends when its last process does', async () => {
    const r = await runTool(fx, 'jail', [
      '-c',
      `path=${join(fx.base, 'db')}`,
      'name=brief',
      // The console log, not this test's pipe, is the background command's output.
      `exec.consolelog=${join(fx.base, 'brief.console')}`,
      'exec.start=/bin/sleep 5 &',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const jid = fx.registry().find('brief')?.jid ?? 0;
    const s = snapshotJail(fx.registry(), jid);
    await waitUntil(() => !fx.registry().find('brief'), 10_000, 'the jail to end with its last process');
    expect(await waitGone(s)).toEqual([]);
  });

  it("the hooks' output is in the console log when jail -c returns (the copier has taken it all)", async () => {
    const log = join(fx.base, 'bulk.console');
    // 4 MiB through a 64 KiB pipe: exec.start ends with the last part still in the pipe.
    const r = await runTool(fx, 'jail', [
      '-c',
      `path=${join(fx.base, 'db')}`,
      'name=bulk',
      `exec.consolelog=${log}`,
      'exec.start=/bin/sh -c "head -c 4194304 /dev/zero"',
    ]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(statSync(log).size).toBe(4194304);
    await waitUntil(() => !fx.registry().find('bulk'), 10_000, 'the jail to end with its last process');
  });

  it('command= runs in the jail with the caller stdio and its status passes through', async () => {
    const r = await runTool(fx, 'jail', [
      '-c',
      `path=${join(fx.base, 'db')}`,
      'host.hostname=cmd.example',
      'ip4.addr=127.0.10.4',
      'command=/bin/sh',
      '-c',
      'hostname; exit 3',
    ]);
    expect(r.stdout).toBe('cmd.example\n');
    expect(r.status).toBe(3);
    expect(fx.registry().list()).toEqual([]);
  });

  it('a failing exec.start: the jail is removed again, exit 1 naming the command', async () => {
    const r = await runTool(fx, 'jail', [
      '-c',
      `path=${join(fx.base, 'db')}`,
      'name=bad',
      'persist',
      'exec.start=/bin/false',
    ]);
    expect(r.stderr).toBe('jail: bad: /bin/false: failed\n');
    expect(r.status).toBe(1);
    await waitUntil(() => fx.registry().list().length === 0, 10_000, 'the failed jail to be gone');
  });
});

describe('options and users', () => {
  it('-i prints the JID, -J writes the parameters, -rc restarts, -q is quiet', async () => {
    const jidFile = join(fx.base, 'jids');
    const params = [`path=${join(fx.base, 'web')}`, 'name=opts', 'persist', 'ip4.addr=127.0.10.5'];
    const c = await runTool(fx, 'jail', ['-i', '-J', jidFile, '-c', ...params]);
    expect(c.stderr).toBe('');
    const jid = Number(c.stdout.trim());
    expect(c.stdout).toBe(`${jid}\n`);
    expect(readFileSync(jidFile, 'utf8')).toBe(
      `jid=${jid} name=opts path=${join(fx.base, 'web')} persist ip4.addr=127.0.10.5\n`,
    );
    expect(lstatSync(jidFile).mode & 0o777).toBe(0o600);
    const conf = join(fx.base, 'opts.conf');
    writeFileSync(conf, `opts { path = "${join(fx.base, 'web')}"; persist; ip4.addr = 127.0.10.5; }\n`);
    const rc = await runTool(fx, 'jail', ['-v', '-f', conf, '-rc', 'opts']);
    expect(rc.stderr).toBe('');
    expect(rc.stdout).toBe('opts: removed\nopts: created\n');
    expect(fx.registry().find('opts')?.jid).not.toBe(jid);
    const q = await runTool(fx, 'jail', ['-q', '-f', conf, '-r', 'opts']);
    expect(q).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });

  it('exec.start runs as exec.jail_user (looked up in the jail), host hooks as the caller', async () => {
    const out = join(fx.base, 'users.log');
    const r = await runTool(fx, 'jail', [
      '-c',
      `path=${join(fx.base, 'db')}`,
      'name=users',
      'exec.jail_user=nobody',
      `exec.consolelog=${out}`,
      'exec.prestart=/usr/bin/id -u',
      'exec.start=/bin/sh -c "id -u; id -g"',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('0\n65534\n65534\n');
  });
});

describe('jail -m', () => {
  it('changes the host name and adds an address of a running jail, seen from inside through jexec', async () => {
    const c = await runTool(fx, 'jail', [
      '-c',
      `path=${join(fx.base, 'web')}`,
      'name=changing',
      'host.hostname=old.example',
      'ip4.addr=127.0.10.31',
      'persist',
    ]);
    expect(c.stderr).toBe('');
    const m = await runTool(fx, 'jail', [
      '-v',
      '-m',
      'changing',
      'host.hostname=new.example',
      'ip4.addr=127.0.10.31,127.0.10.32',
    ]);
    expect(m).toMatchObject({ status: 0, stdout: 'changing: updated\n', stderr: '' });
    expect((await runTool(fx, 'jexec', ['changing', '/bin/hostname'])).stdout).toBe('new.example\n');
    // Inside, a server bound to the wildcard gets the first address; one bound to the new address works.
    const bound = await runTool(fx, 'jexec', [
      'changing',
      '/bin/sh',
      '-c',
      '/usr/sbin/httpd -p 127.0.10.32:8630 -h /www && echo ok',
    ]);
    expect(bound.stdout).toBe('ok\n');
    expect(await fetchText('127.0.10.32', '/name.txt', 8630)).toBe('web\n');
    expect((await runTool(fx, 'jls', ['-j', 'changing', 'ip4.addr'])).stdout).toBe(
      '127.0.10.31,127.0.10.32\n',
    );
    // A flag the jail was not created changeable is decided by its seccomp filter: refused, nothing changed.
    const raw = await runTool(fx, 'jail', ['-m', 'changing', 'allow.raw_sockets']);
    expect(raw.status).toBe(1);
    expect(raw.stderr).toBe(
      'jail: allow.raw_sockets: cannot change while the jail runs (it was created without allow.raw_sockets in sysjail.changeable)\n',
    );
    expect((await runTool(fx, 'jls', ['-j', 'changing', 'allow.raw_sockets'])).stdout).toBe('false\n');
    expect((await runTool(fx, 'jail', ['-r', 'changing'])).status).toBe(0);
  });

  it('switches allow.raw_sockets and allow.sysvipc of a jail created with them changeable, seen from inside through jexec', async () => {
    const conf = join(fx.base, 'switch.conf');
    writeFileSync(
      conf,
      `switch {\n  path = "${join(fx.base, 'web')}";\n  ip4.addr = 127.0.10.41;\n  persist;\n` +
        '  sysjail.changeable = allow.raw_sockets, allow.sysvipc;\n}\n',
    );
    expect((await runTool(fx, 'jail', ['-f', conf, '-c', 'switch'])).stderr).toBe('');
    const ping = async () =>
      (await runTool(fx, 'jexec', ['switch', '/bin/sh', '-c', 'ping -c1 -W1 127.0.10.41 2>&1; true'])).stdout;
    expect(await ping()).toMatch(/permission denied/);
    const on = await runTool(fx, 'jail', ['-m', 'switch', 'allow.raw_sockets=1', 'allow.sysvipc=true']);
    expect(on).toMatchObject({ status: 0, stderr: '' });
    expect(await ping()).toMatch(/packets transmitted/);
    expect((await runTool(fx, 'jls', ['-j', 'switch', 'allow.raw_sockets', 'allow.sysvipc'])).stdout).toBe(
      'true true\n',
    );
    const off = await runTool(fx, 'jail', ['-m', 'switch', 'allow.noraw_sockets']);
    expect(off).toMatchObject({ status: 0, stderr: '' });
    expect(await ping()).toMatch(/permission denied/);
    expect((await runTool(fx, 'jail', ['-r', 'switch'])).status).toBe(0);
  });
});

describe('jail -m sysjail.deny', () => {
  it("tightens a running jail: a process already running and one exec'd later are refused; not in jail.conf", async () => {
    const root = join(fx.base, 'web');
    const c = await runTool(fx, 'jail', [
      '-c',
      `path=${root}`,
      'name=tight',
      'ip4.addr=127.0.10.51',
      'persist',
    ]);
    expect(c.stderr).toBe('');
    // A process running before the change, which makes a directory once told to.
    const waiter = await runTool(fx, 'jexec', [
      'tight',
      '/bin/sh',
      '-c',
      '(while [ ! -e /tmp/tight-go ]; do sleep 0.05; done; mkdir /tmp/tight-before; echo $? > /tmp/tight-before.out) </dev/null >/dev/null 2>&1 &',
    ]);
    expect(waiter.status).toBe(0);
    const m = await runTool(fx, 'jail', ['-v', '-m', 'tight', 'sysjail.deny=mkdir:EROFS,mkdirat:EROFS']);
    expect(m).toMatchObject({ status: 0, stdout: 'tight: updated\n', stderr: '' });
    const later = await runTool(fx, 'jexec', [
      'tight',
      '/bin/sh',
      '-c',
      'mkdir /tmp/tight-later 2>&1; echo $?',
    ]);
    expect(later.stdout).toBe("mkdir: can't create directory '/tmp/tight-later': Read-only file system\n1\n");
    writeFileSync(join(root, 'tmp', 'tight-go'), '');
    for (let i = 0; i < 200 && !existsSync(join(root, 'tmp', 'tight-before.out')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(join(root, 'tmp', 'tight-before.out'), 'utf8')).toBe('1\n');
    expect(existsSync(join(root, 'tmp', 'tight-before'))).toBe(false);
    const bad = await runTool(fx, 'jail', ['-m', 'tight', 'sysjail.deny=no_such_call']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^jail: .*no_such_call.*\n$/);
    expect((await runTool(fx, 'jail', ['-r', 'tight'])).status).toBe(0);
    const conf = join(fx.base, 'deny.conf');
    writeFileSync(conf, `deny {\n  path = "${root}";\n  persist;\n  sysjail.deny = mkdir;\n}\n`);
    const refused = await runTool(fx, 'jail', ['-f', conf, '-c', 'deny']);
    expect(refused.stderr).toBe(`jail: ${conf}:4:3: sysjail.deny: only for a running jail (jail -m)\n`);
    expect(refused.status).toBe(1);
  });
});

describe('sub-policies: sysjail.subpolicy, jexec -P, jail -m sysjail.move', () => {
  it('a running process moved to a sub-policy is refused mkdir, its sibling is not; jexec -P runs a command under one', async () => {
    const root = join(fx.base, 'web');
    const conf = join(fx.base, 'sub.conf');
    writeFileSync(
      conf,
      `sub {\n  path = "${root}";\n  ip4.addr = 127.0.10.61;\n  persist;\n` +
        '  sysjail.subpolicy = "readonly: mkdir:EROFS mkdirat:EROFS";\n}\n',
    );
    expect((await runTool(fx, 'jail', ['-f', conf, '-c', 'sub'])).stderr).toBe('');
    writeFileSync(
      join(root, 'tmp', 'sub-worker.sh'),
      'echo $$ > /tmp/sub-$1.pid\nwhile [ ! -e /tmp/sub-go ]; do sleep 0.05; done\nmkdir /tmp/sub-$1 2>/dev/null; echo $? > /tmp/sub-$1.out\n',
    );
    for (const w of ['a', 'b']) {
      const started = await runTool(fx, 'jexec', [
        'sub',
        '/bin/sh',
        '-c',
        `sh /tmp/sub-worker.sh ${w} </dev/null >/dev/null 2>&1 &`,
      ]);
      expect(started.status).toBe(0);
    }
    const pidOf = async (w: string) => {
      for (let i = 0; i < 200 && !existsSync(join(root, 'tmp', `sub-${w}.pid`)); i++)
        await new Promise((r) => setTimeout(r, 50));
      return readFileSync(join(root, 'tmp', `sub-${w}.pid`), 'utf8').trim();
    };
    const a = await pidOf('a');
    const b = await pidOf('b');
    const m = await runTool(fx, 'jail', ['-v', '-m', 'sub', `sysjail.move=${a}:readonly`]);
    expect(m).toMatchObject({ status: 0, stdout: 'sub: updated\n', stderr: '' });
    const p = await runTool(fx, 'jexec', [
      '-P',
      'readonly',
      'sub',
      '/bin/sh',
      '-c',
      'mkdir /tmp/sub-p 2>/dev/null; echo $?',
    ]);
    expect(p.stdout).toBe('1\n');
    const noPolicy = await runTool(fx, 'jail', ['-m', 'sub', `sysjail.move=${b}:nope`]);
    expect(noPolicy.status).toBe(1);
    expect(noPolicy.stderr).toMatch(/^jail: .*no sub-policy nope\n$/);
    writeFileSync(join(root, 'tmp', 'sub-go'), '');
    for (const w of ['a', 'b'])
      for (let i = 0; i < 200 && !existsSync(join(root, 'tmp', `sub-${w}.out`)); i++)
        await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(join(root, 'tmp', 'sub-a.out'), 'utf8')).toBe('1\n');
    expect(readFileSync(join(root, 'tmp', 'sub-b.out'), 'utf8')).toBe('0\n');
    expect(existsSync(join(root, 'tmp', 'sub-b'))).toBe(true);
    for (const d of ['sub-a', 'sub-p']) expect(existsSync(join(root, 'tmp', d))).toBe(false);
    const noProcess = await runTool(fx, 'jail', ['-m', 'sub', 'sysjail.move=99999:readonly']);
    expect(noProcess.status).toBe(1);
    expect(noProcess.stderr).toMatch(/^jail: jail \d+ has no process 99999\n$/);
    const jexecNope = await runTool(fx, 'jexec', ['-P', 'nope', 'sub', '/bin/true']);
    expect(jexecNope.status).toBe(1);
    expect(jexecNope.stderr).toMatch(/^jexec: .*no sub-policy nope\n$/);
    const bad = await runTool(fx, 'jail', ['-m', 'sub', 'sysjail.move=abc']);
    expect(bad.status).toBe(2);
    expect((await runTool(fx, 'jail', ['-r', 'sub'])).status).toBe(0);
  });
});

describe('refused before anything is created', () => {
  it('a bad file: file, line and column, exit 1, no jail', async () => {
    const bad = join(fx.base, 'bad.conf');
    writeFileSync(bad, `web {\n  path = ${fx.base}/web;\n  persist;\n  allow.raw_socket;\n}\n`);
    const r = await runTool(fx, 'jail', ['-f', bad, '-c', 'web']);
    expect(r.stderr).toBe(
      `jail: ${bad}:4:3: unknown parameter "allow.raw_socket" (did you mean "allow.raw_sockets"?)\n`,
    );
    expect(r.status).toBe(1);
    expect(fx.registry().list()).toEqual([]);
  });

  it('an unsupported FreeBSD parameter is refused by name with the reason', async () => {
    const r = await runTool(fx, 'jail', ['-c', `path=${fx.base}/web`, 'persist', 'vnet']);
    expect(r.stderr).toMatch(/^jail: vnet: not supported: /);
    expect(r.status).toBe(2);
  });

  it('a console log the jail replaced by a symlink is not followed: refused, nothing created outside', async () => {
    const root = join(fx.base, 'web');
    const outside = fx.outside;
    mkdirSync(join(root, 'var', 'log'), { recursive: true });
    symlinkSync(outside, join(root, 'var', 'log', 'jail'));
    const r = await runTool(fx, 'jail', [
      '-c',
      `path=${root}`,
      'name=planted',
      'persist',
      `exec.consolelog=${root}/var/log/jail/console.log`,
    ]);
    expect(r.stderr).toBe(
      `jail: exec.consolelog: ${root}/var/log/jail/console.log: a symbolic link on the way\n`,
    );
    expect(r.status).toBe(1);
    expect(existsSync(join(outside, 'console.log'))).toBe(false);
    expect(fx.registry().list()).toEqual([]);
  });
});

void leftovers;
