/**
 * Mixed jails (sysjail --emulation mixed): the kernel picks the emulation per exec. The jail runs in an
 * identity-mapped user namespace of its own whose private binfmt_misc instance runs the FreeBSD loader for
 * every exec of an OSABI 9 ELF, so a Linux shell in the jail runs FreeBSD programs. Plain jails have no
 * user namespace (they pay nothing), the host's binfmt_misc is never touched, jailed root cannot reach the
 * instance or make one, and the namespace and the instance's mount go with the jail.
 */

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { freebsdVictimPath } from '@sysjail/emul-freebsd';
import { ESBUILD_VERSION, freebsdEsbuild } from '@sysjail/emul-freebsd/npm-programs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, eventually, waitForRecord } from './host-state.js';
import { binDir, type JailFixture, makeJailFixture } from './jail-fixture.js';
import { runTool, startBackground, startTool } from './run-tool.js';

// Addresses of this file's own (the FreeBSD area's 127.0.15.0/24, .45 to .49).
const ADDR = '127.0.15.45';
const BSD_HOST = 'bsd.example';
const BINFMT_MAGIC = 0x42494e4d; // statfs f_type of binfmt_misc (linux/magic.h BINFMTFS_MAGIC)

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('mixed');
  const bin = join(fx.root, 'usr', 'local', 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(freebsdEsbuild(), join(bin, 'esbuild'));
  copyFileSync(freebsdVictimPath, join(bin, 'victim'));
  const dynamic = Buffer.from(readFileSync('/bin/sh'));
  dynamic[7] = 9; // FreeBSD-branded and dynamically linked
  writeFileSync(join(bin, 'bsd-dynamic'), dynamic);
  const i386 = Buffer.from(readFileSync(join(fx.root, 'bin', 'probe32')));
  i386[7] = 9; // a FreeBSD-branded 32-bit program
  writeFileSync(join(bin, 'bsd-i386'), i386);
  for (const f of ['esbuild', 'victim', 'bsd-dynamic', 'bsd-i386']) chmodSync(join(bin, f), 0o755);
}, 300_000);
afterAll(() => fx?.cleanup());

/** The host's binfmt_misc as the host sees it: its mounts and, where mounted, its entries. */
function hostBinfmt(): string[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - binfmt_misc /.test(l));
  const dir = '/proc/sys/fs/binfmt_misc';
  const entries = existsSync(dir) ? readdirSync(dir).map((e) => `entry ${e}`) : [];
  return [...mounts, ...entries];
}
const hostBefore = hostBinfmt();
const hostUserNs = readlinkSync('/proc/self/ns/user');

const sysjail = (args: string[]) => runTool(fx, 'sysjail', args, { timeoutMs: 120_000 });
const mixed = (...command: string[]) =>
  sysjail(['--emulation', 'mixed', fx.root, BSD_HOST, ADDR, ...command]);
const plain = (...command: string[]) => sysjail([fx.root, BSD_HOST, ADDR, ...command]);

const pids = () =>
  readdirSync('/proc')
    .filter((d) => /^[0-9]+$/.test(d))
    .map(Number);
const links = (dir: string) => {
  try {
    return readdirSync(dir).flatMap((f) => {
      try {
        return [readlinkSync(join(dir, f))];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
};
/** The processes in, or holding a descriptor of, the user namespace `ns` (`user:[inode]`). */
const holdersOf = (ns: string) =>
  pids().filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/user`) === ns || links(`/proc/${pid}/fd`).includes(ns);
    } catch {
      return false;
    }
  });
/** The descriptors of `pid` open on a binfmt_misc file system. */
const binfmtFds = (pid: number) =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return statfsSync(`/proc/${pid}/fd/${fd}`).type === BINFMT_MAGIC;
    } catch {
      return false;
    }
  });

describe('a mixed jail: the kernel runs the FreeBSD loader per exec', () => {
  it('a Linux shell runs the FreeBSD esbuild and a freestanding FreeBSD program, by PATH, path and ./name', async () => {
    const r = await mixed(
      '/bin/sh',
      '-c',
      'esbuild --version; /usr/local/bin/victim hostname; cd /usr/local/bin && ./victim jailed',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${ESBUILD_VERSION}\nhostname ok ${BSD_HOST}\njailed ok 1\n`);
    expect(r.status).toBe(0);
  });

  it('in a plain jail the same shell gets the kernel running them as Linux programs: they crash', async () => {
    const r = await plain(
      '/bin/sh',
      '-c',
      'esbuild --version; echo rc=$?; /usr/local/bin/victim hostname; echo rc=$?',
    );
    expect(r.stdout).toBe('rc=139\nrc=139\n');
  });

  it('FreeBSD → Linux → FreeBSD → Linux → FreeBSD exec chains', async () => {
    const r = await mixed(
      '/usr/local/bin/victim',
      'exec',
      '/bin/sh',
      '-c',
      '/usr/local/bin/victim exec /bin/sh -c "/usr/local/bin/victim hostname; esbuild --version"',
    );
    expect(r.stdout).toBe(`hostname ok ${BSD_HOST}\n${ESBUILD_VERSION}\n`);
    expect(r.status).toBe(0);
  });

  it('a FreeBSD program the loader cannot run, exec’d by a Linux shell: one line, status 1, no crash', async () => {
    const dynamic = await mixed('/bin/sh', '-c', '/usr/local/bin/bsd-dynamic; echo rc=$?');
    expect(dynamic.stdout).toBe('rc=1\n');
    expect(dynamic.stderr.trim().split('\n')).toHaveLength(1);
    expect(dynamic.stderr).toMatch(/dynamically linked against FreeBSD's libc/);
    const i386 = await mixed('/bin/sh', '-c', '/usr/local/bin/bsd-i386; echo rc=$?');
    expect(i386.stdout).toBe('rc=1\n');
    expect(i386.stderr.trim().split('\n')).toHaveLength(1);
    expect(i386.stderr).toMatch(/32-bit \(i386\) FreeBSD program/);
  });

  it('jail -c sysjail.emulation=mixed makes the same kind of jail', async () => {
    const r = await runTool(
      fx,
      'jail',
      [
        '-c',
        `path=${fx.root}`,
        `host.hostname=${BSD_HOST}`,
        `ip4.addr=${ADDR}`,
        'sysjail.emulation=mixed',
        'command=/bin/sh',
        '-c',
        'esbuild --version; /usr/local/bin/victim jailed',
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${ESBUILD_VERSION}\njailed ok 1\n`);
    expect(r.status).toBe(0);
  });

  it('Linux programs still run natively, with the jail’s capabilities (not every one its namespace gives)', async () => {
    const caps = (out: string) => out.split('\n').filter((l) => /^Cap(Prm|Eff|Bnd|Inh|Amb):/.test(l));
    const script = 'readlink /proc/self/exe; grep ^Cap /proc/self/status';
    const m = await mixed('/bin/sh', '-c', script);
    const p = await plain('/bin/sh', '-c', script);
    expect(m.stdout.split('\n')[0]).toBe('/bin/busybox');
    expect(caps(m.stdout)).toHaveLength(5);
    expect(caps(m.stdout)).toEqual(caps(p.stdout));
  });
});

describe('what a mixed jail costs its root', () => {
  it('root binds a port below 1024 on the jail address as in a plain jail (the bind program stands in for CAP_NET_BIND_SERVICE); another user gets EACCES', async () => {
    for (const emulation of [['--emulation', 'mixed'], []]) {
      const bind = (...user: string[]) =>
        sysjail([...emulation, ...user, fx.root, BSD_HOST, ADDR, '/bin/probe64', 'bind-port', ADDR, '83']);
      expect((await bind()).stdout, `root ${emulation}`).toBe('bind-port ok\n');
      expect((await bind('-U', 'nobody')).stdout, `nobody ${emulation}`).toBe('bind-port EACCES\n');
    }
  });

  it('allow.raw_sockets, allow.chflags and allow.rlimit cannot work in its user namespace: refused, one line, nothing started', async () => {
    for (const flag of ['--allow-raw-sockets', '--allow-chflags', '--allow-rlimit']) {
      const r = await sysjail(['--emulation', 'mixed', flag, fx.root, BSD_HOST, ADDR, '/bin/true']);
      expect(r.status, flag).toBe(1);
      expect(r.stderr.trim().split('\n'), flag).toHaveLength(1);
      expect(r.stderr, flag).toMatch(
        /per-exec emulation .* cannot give its root allow\.(raw_sockets|chflags|rlimit)/,
      );
      expect(r.stdout).toBe('');
    }
    const jails = join(fx.runDir, 'jails');
    expect(existsSync(jails) ? readdirSync(jails).filter((f) => f.endsWith('.json')) : []).toEqual([]);
  });
});

describe('a mixed jail’s binfmt_misc instance is out of jailed root’s reach', () => {
  it('no binfmt_misc to mount or open, no namespace to make or enter; plain jails are in the host’s user namespace', async () => {
    const lines = (out: string) =>
      Object.fromEntries(
        out
          .trim()
          .split('\n')
          .map((l) => l.split(' ')),
      );
    const m = lines((await mixed('/bin/probe64', 'binfmt')).stdout);
    expect(m).toEqual({
      'fsopen-binfmt_misc': 'EPERM',
      'mount-binfmt_misc': 'EPERM',
      'open-proc-register': 'ENOENT',
      'unshare-CLONE_NEWUSER': 'EPERM',
      'unshare-CLONE_NEWNS': 'EPERM',
      'setns-mnt': 'EPERM',
      'setns-mnt-any': 'EPERM',
      'setns-own-user': 'EINVAL', // let through for the init; the kernel: already there
      'user-ns': expect.stringMatching(/^user:\[[0-9]+\]$/),
    });
    expect(m['user-ns']).not.toBe(hostUserNs);
    const p = lines((await plain('/bin/probe64', 'binfmt')).stdout);
    expect(p['user-ns']).toBe(hostUserNs);
    expect(p['setns-own-user']).toBe('EPERM');
    expect(p['fsopen-binfmt_misc']).toBe('EPERM');
  });

  it('while it runs the host’s binfmt_misc is unchanged (a plain jail still has no FreeBSD rule); after it, nothing holds its namespace', async () => {
    const run = startTool(
      fx,
      'sysjail',
      ['--emulation', 'mixed', fx.root, BSD_HOST, '127.0.15.46', '/bin/sh', '-c', 'echo up; exec sleep 60'],
      {
        timeoutMs: 120_000,
      },
    );
    await run.waitFor(/^up$/, 60_000);
    const record = await waitForRecord(fx.runDir, 30_000);
    const initPid = record.initPid as number;
    const ns = readlinkSync(`/proc/${initPid}/ns/user`);
    expect(ns).not.toBe(hostUserNs);
    expect(readFileSync(`/proc/${initPid}/uid_map`, 'utf8').trim().split(/\s+/)).toEqual([
      '0',
      '0',
      '4294967295',
    ]);
    expect(hostBinfmt()).toEqual(hostBefore);
    // The supervisor (this sysjail) holds the instance's mount: one descriptor of binfmt_misc.
    expect(binfmtFds(record.supervisorPid)).toHaveLength(1);
    const beside = await plain('/bin/sh', '-c', '/usr/local/bin/victim hostname; echo rc=$?');
    expect(beside.stdout).toBe('rc=139\n');
    run.child.kill('SIGTERM');
    await run.done;
    expect(await eventually(() => holdersOf(ns).length === 0, 10_000)).toBe(true);
    expect(hostBinfmt()).toEqual(hostBefore);
  }, 180_000);

  it('a background mixed jail: sjls -v shows the FreeBSD program its shell started; jexec’d shells run FreeBSD programs; removing it closes its binfmt_misc mount and namespace in the shared supervisor', async () => {
    const keep = await startBackground(fx, [fx.root, 'keep.example', '127.0.15.47', '/bin/sleep', '120']);
    const jid = await startBackground(fx, [
      '--emulation',
      'mixed',
      fx.root,
      BSD_HOST,
      '127.0.15.48',
      '/bin/sh',
      '-c',
      'sleep 120 | esbuild --serve=127.0.15.48:8000',
    ]);
    const records = () =>
      readdirSync(join(fx.runDir, 'jails'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(fx.runDir, 'jails', f), 'utf8')));
    let record: { jid: number; initPid?: number; supervisorPid: number } | undefined;
    await eventually(() => {
      record = records().find((r) => r.jid === jid && r.initPid !== undefined);
      return record !== undefined;
    }, 10_000);
    if (!record) throw new Error(`no record of jail ${jid}`);
    const daemon = record.supervisorPid;
    const ns = readlinkSync(`/proc/${record.initPid}/ns/user`);
    expect(ns).not.toBe(hostUserNs);
    expect(binfmtFds(daemon)).toHaveLength(1);
    expect(links(`/proc/${daemon}/fd`)).toContain(ns);
    // sjls -v: the FreeBSD program the shell started is run by the loader (its status page says so).
    let sjls = '';
    await eventually(() => {
      sjls = spawnSync(process.execPath, [join(binDir, 'sjls.js'), '-v', '-j', String(jid)], {
        env: fx.env,
        encoding: 'utf8',
      }).stdout;
      return /^process: +[0-9]+ freebsd$/m.test(sjls);
    }, 20_000);
    expect(sjls).toMatch(/^process: +[0-9]+ freebsd$/m);
    expect(sjls).toMatch(/^process: +[0-9]+ linux$/m);
    // jexec'd commands are the init's children: in the namespace, the kernel picks per exec for them too.
    const jexec = await runTool(
      fx,
      'jexec',
      [String(jid), '/bin/sh', '-c', 'esbuild --version; readlink /proc/self/ns/user'],
      {
        timeoutMs: 60_000,
      },
    );
    expect(jexec.stdout).toBe(`${ESBUILD_VERSION}\n${ns}\n`);
    const removed = await runTool(fx, 'jail', ['-r', String(jid)], { timeoutMs: 60_000 });
    expect(removed.status).toBe(0);
    expect(alive(daemon)).toBe(true); // it still hosts the other jail
    expect(await eventually(() => holdersOf(ns).length === 0, 10_000)).toBe(true);
    expect(binfmtFds(daemon)).toEqual([]);
    expect((await runTool(fx, 'jail', ['-r', String(keep)], { timeoutMs: 60_000 })).status).toBe(0);
    expect(hostBinfmt()).toEqual(hostBefore);
  }, 180_000);
});

describe('the host', () => {
  it('kept its binfmt_misc as it was (mounts and entries)', () => {
    expect(hostBinfmt()).toEqual(hostBefore);
  });
});
