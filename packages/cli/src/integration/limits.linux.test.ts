/**
 * rctl limits on real jails: a memoryuse limit (sysjail --memory, and from rctl.conf) stops an allocating
 * process; maxproc holds a fork bomb while the host still forks; rctl -u shows usage; rctl -a / -r change
 * a running jail's limits; a cputime rule signals the jail; the jail cannot lift its own limits; the v1
 * controller cgroups go with the jail; pcpu throttles a busy loop (the kernel's own throttling counters);
 * sysjail.rctl in jail.conf gives a jail created by jail -c its limits.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JailRecord, openRegistry } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, makeJailFixture } from './jail-fixture.js';
import { snapshotJail, waitGone } from './jail-traces.js';

let fx: JailFixture;
let rctlConf: string;

function tool(name: string, args: readonly string[]) {
  const r = spawnSync(process.execPath, [join(binDir, `${name}.js`), ...args], {
    env: { ...fx.env, SYSJAIL_RCTL_CONF: rctlConf },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const registry = () => openRegistry(join(fx.runDir, 'jails'));
const record = (name: string): JailRecord => {
  const r = registry().find(name);
  if (!r) throw new Error(`no jail ${name}`);
  return r;
};
const usageOf = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  fx = makeJailFixture('limits');
  rctlConf = join(fx.base, 'rctl.conf');
  writeFileSync(rctlConf, '# test rules\njail:memconf:memoryuse:deny=16m\n');
});
afterAll(() => {
  if (fx) for (const r of registry().list()) tool('jail', ['-r', String(r.jid)]);
  fx?.cleanup();
});

const DD = ['/bin/dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'];

describe('rctl limits', () => {
  it('memoryuse stops an allocating process (sysjail --memory); without it the same command runs', () => {
    expect(tool('jail', [fx.root, 'h', '127.0.13.1', ...DD]).status).toBe(0);
    const r = tool('sysjail', ['--memory', '16m', fx.root, 'h', '127.0.13.1', ...DD]);
    expect(r.status).toBe(128 + 9); // the OOM killer's SIGKILL
  });

  it('a memoryuse rule in rctl.conf applies to the jail it names', () => {
    const r = tool('sysjail', ['-n', 'memconf', fx.root, 'h', '127.0.13.2', ...DD]);
    expect(r.status).toBe(128 + 9);
    const other = tool('sysjail', ['-n', 'memother', fx.root, 'h', '127.0.13.2', ...DD]);
    expect(other.status).toBe(0);
  });

  it('maxproc holds a fork bomb; the host still forks; rctl -u shows it; jail -r ends it all', async () => {
    const started = tool('sysjail', [
      '-b',
      '-n',
      'bomb',
      '--maxproc',
      '16',
      fx.root,
      'h',
      '127.0.13.3',
      '/bin/sh',
      '-c',
      'b() { b | b & }; b; sleep 600',
    ]);
    expect(started).toMatchObject({ status: 0, stderr: '' });
    const rec = record('bomb');
    const pids = rec.limitCgroups?.pids;
    expect(pids).toBeDefined();
    expect(readFileSync(join(pids!, 'pids.max'), 'utf8')).toBe('16\n');
    // the bomb runs into the limit: forks refused, counted in pids.events
    for (let i = 0; i < 100 && !/^max [1-9]/m.test(readFileSync(join(pids!, 'pids.events'), 'utf8')); i++) {
      await sleep(50);
    }
    expect(readFileSync(join(pids!, 'pids.events'), 'utf8')).toMatch(/^max [1-9][0-9]*$/m);
    for (let i = 0; i < 5; i++) {
      expect(Number(readFileSync(join(pids!, 'pids.current'), 'utf8'))).toBeLessThanOrEqual(16);
      expect(spawnSync('/bin/true').status).toBe(0); // the host forks
      await sleep(50);
    }
    const u = tool('rctl', ['-u', 'jail:bomb']);
    expect(u.status).toBe(0);
    const usage = usageOf(u.stdout);
    expect(Object.keys(usage)).toEqual([
      'cputime',
      'memoryuse',
      'maxproc',
      'openfiles',
      'pcpu',
      'readbps',
      'writebps',
      'readiops',
      'writeiops',
    ]);
    expect(Number(usage.maxproc)).toBeGreaterThan(0);
    expect(Number(usage.maxproc)).toBeLessThanOrEqual(16);
    expect(tool('sjls', ['-v', '-j', 'bomb']).stdout).toMatch(/^limits: +maxproc:deny=16$/m);
    expect(tool('jail', ['-r', 'bomb']).status).toBe(0);
    expect(existsSync(pids!)).toBe(false);
    expect(existsSync(rec.cgroupPath!)).toBe(false);
  });

  it('rctl -u counts memory held by the jail (-h in human units)', async () => {
    const started = tool('sysjail', [
      '-b',
      '-n',
      'holder',
      '--memory',
      '1g',
      fx.root,
      'h',
      '127.0.13.4',
      '/bin/sh',
      '-c',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${#x} is the shell's, not a template's
      'x=$(head -c 8000000 /dev/zero | tr "\\0" a); echo held > /tmp/held; sleep 600; echo ${#x}',
    ]);
    expect(started.status).toBe(0);
    expect(tool('rctl', ['-a', 'jail:holder:memoryuse:deny=512m'])).toMatchObject({ status: 0, stderr: '' });
    for (let i = 0; i < 100 && !existsSync(join(fx.root, 'tmp/held')); i++) await sleep(50);
    const u = usageOf(tool('rctl', ['-u', 'jail:holder']).stdout);
    expect(Number(u.memoryuse)).toBeGreaterThan(8_000_000);
    expect(Number(u.maxproc)).toBeGreaterThanOrEqual(2);
    expect(Number(u.openfiles)).toBeGreaterThan(0);
    expect(usageOf(tool('rctl', ['-u', '-h', 'jail:holder']).stdout).memoryuse).toMatch(/^[0-9]+[KMG]$/);
    const memory = record('holder').limitCgroups?.memory;
    expect(readFileSync(join(memory!, 'memory.limit_in_bytes'), 'utf8')).toBe(`${512 * 2 ** 20}\n`);
    expect(tool('rctl', []).stdout).toContain('jail:holder:memoryuse:deny=536870912\n');
    expect(tool('rctl', ['-h', 'jail:holder']).stdout).toBe(
      'jail:holder:memoryuse:deny=512M\njail:holder:memoryuse:deny=1G\n',
    );
    expect(tool('rctl', ['-r', 'jail:holder:memoryuse'])).toMatchObject({ status: 0 });
    expect(tool('rctl', ['jail:holder']).stdout).toBe('');
    expect(Number(readFileSync(join(memory!, 'memory.limit_in_bytes'), 'utf8'))).toBeGreaterThan(2 ** 40);
    // rctl -a on a running jail without that controller yet makes its cgroup and moves its processes in
    expect(record('holder').limitCgroups?.pids).toBeUndefined();
    expect(tool('rctl', ['-a', 'jail:holder:maxproc:deny=40']).status).toBe(0);
    const pids = record('holder').limitCgroups?.pids;
    expect(readFileSync(join(pids!, 'pids.max'), 'utf8')).toBe('40\n');
    expect(Number(readFileSync(join(pids!, 'pids.current'), 'utf8'))).toBeGreaterThanOrEqual(2);
    expect(tool('rctl', ['-r', 'jail:holder'])).toMatchObject({ status: 0 });
    expect(tool('jail', ['-r', 'holder']).status).toBe(0);
    expect(existsSync(memory!)).toBe(false);
    expect(existsSync(pids!)).toBe(false);
  });

  it('the jail cannot lift its limits: no cgroup files inside, /sys read-only, mount refused', () => {
    const started = tool('sysjail', [
      '-b',
      '-n',
      'lifter',
      '--maxproc',
      '30',
      fx.root,
      'h',
      '127.0.13.5',
      '/bin/sleep',
      '600',
    ]);
    expect(started.status).toBe(0);
    const pids = record('lifter').limitCgroups?.pids;
    const tries = tool('jexec', [
      'lifter',
      '/bin/sh',
      '-c',
      'ls -A /sys/fs/cgroup; echo max > /sys/fs/cgroup/pids.max || echo write-refused; ' +
        'echo 1 > /sys/kernel/profiling || echo sysfs-read-only; ' +
        'mkdir -p /tmp/cg; mount -t cgroup -o pids none /tmp/cg || echo mount-v1-refused; ' +
        'mount -t cgroup2 none /tmp/cg || echo mount-v2-refused; ls -A /tmp/cg',
    ]);
    // /sys/fs/cgroup is an empty directory of a read-only sysfs; mounting a cgroup fs is refused
    expect(tries.stdout).toBe('write-refused\nsysfs-read-only\nmount-v1-refused\nmount-v2-refused\n');
    expect(tries.stderr).toMatch(/profiling: Read-only file system/);
    expect(tries.stderr).toMatch(/permission denied/);
    expect(readFileSync(join(pids!, 'pids.max'), 'utf8')).toBe('30\n');
    expect(tool('jail', ['-r', 'lifter']).status).toBe(0);
  });

  it('a cputime rule sends its signal once the jail has used that much CPU', () => {
    expect(tool('rctl', ['-a', 'jail:spinner:cputime:sigkill=1']).status).toBe(0);
    const r = tool('sysjail', [
      '-n',
      'spinner',
      fx.root,
      'h',
      '127.0.13.6',
      '/bin/sh',
      '-c',
      'while :; do :; done',
    ]);
    expect(r.status).toBe(128 + 9);
    expect(tool('rctl', ['-r', 'jail:spinner']).status).toBe(0);
  });

  it("openfiles is the jail's RLIMIT_NOFILE; readbps and writeiops become block I/O throttles", () => {
    expect(
      tool('rctl', [
        '-a',
        'jail:nofile:openfiles:deny=64',
        'jail:nofile:readbps:throttle=1m',
        'jail:nofile:writeiops:deny=100',
      ]).status,
    ).toBe(0);
    const started = tool('sysjail', ['-b', '-n', 'nofile', fx.root, 'h', '127.0.13.8', '/bin/sleep', '600']);
    expect(started.status).toBe(0);
    const inside = spawnSync(
      process.execPath,
      [join(binDir, 'jexec.js'), 'nofile', '/bin/sh', '-c', 'ulimit -n'],
      {
        env: fx.env,
        encoding: 'utf8',
      },
    );
    expect(inside.stdout).toBe('64\n');
    const io = record('nofile').limitCgroups?.io;
    expect(readFileSync(join(io!, 'blkio.throttle.read_bps_device'), 'utf8')).toMatch(
      /^[0-9]+:[0-9]+ 1048576$/m,
    );
    expect(readFileSync(join(io!, 'blkio.throttle.write_iops_device'), 'utf8')).toMatch(
      /^[0-9]+:[0-9]+ 100$/m,
    );
    expect(tool('jail', ['-r', 'nofile']).status).toBe(0);
    expect(existsSync(io!)).toBe(false);
    expect(tool('rctl', ['-r', 'jail:nofile']).status).toBe(0);
  });

  it("readbps, writebps, readiops and writeiops throttle the jail's direct I/O; rctl -r lifts them", () => {
    // The jail's root must be on a disk (the throttles are set on every disk of /sys/block at start).
    const dev = statSync(fx.root).dev;
    expect(
      existsSync(`/sys/dev/block/${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`),
    ).toBe(true);
    const started = tool('sysjail', [
      '-b',
      '-n',
      'iothrottle',
      fx.root,
      'h',
      '127.0.13.9',
      '/bin/sleep',
      '600',
    ]);
    expect(started.status).toBe(0);
    // Seconds the jail takes for a dd with O_DIRECT (busybox time: "real\t0m 3.02s").
    const seconds = (dd: string) => {
      const r = spawnSync(
        process.execPath,
        [join(binDir, 'jexec.js'), 'iothrottle', '/bin/sh', '-c', `time ${dd}`],
        {
          env: fx.env,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(r.status).toBe(0);
      const m = /real\s+([0-9]+)m ([0-9.]+)s/.exec(r.stderr);
      if (!m) throw new Error(`no time in: ${r.stderr}`);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const write3M = 'dd if=/dev/zero of=/tmp/io-bytes bs=64k count=48 oflag=direct';
    const read3M = 'dd if=/tmp/io-bytes of=/dev/null bs=64k iflag=direct';
    const write60 = 'dd if=/dev/zero of=/tmp/io-ops bs=4k count=60 oflag=direct';
    const read60 = 'dd if=/tmp/io-ops of=/dev/null bs=4k iflag=direct';
    // Unthrottled, each takes a few hundredths of a second here.
    for (const dd of [write3M, read3M, write60, read60]) expect(seconds(dd)).toBeLessThan(1.5);
    expect(
      tool('rctl', ['-a', 'jail:iothrottle:writebps:deny=1m', 'jail:iothrottle:readbps:throttle=1m']).status,
    ).toBe(0);
    // 3 MiB at 1 MiB/s: 3 s (measured 3.02 s and 3.03 s).
    expect(seconds(write3M)).toBeGreaterThan(2.5);
    expect(seconds(read3M)).toBeGreaterThan(2.5);
    expect(tool('rctl', ['-r', 'jail:iothrottle']).status).toBe(0);
    expect(
      tool('rctl', ['-a', 'jail:iothrottle:writeiops:deny=20', 'jail:iothrottle:readiops:deny=20']).status,
    ).toBe(0);
    // 60 operations at 20/s: 3 s (measured 3.11 s and 2.90 s).
    expect(seconds(write60)).toBeGreaterThan(2.3);
    expect(seconds(read60)).toBeGreaterThan(2.3);
    expect(tool('rctl', ['-r', 'jail:iothrottle']).status).toBe(0);
    for (const dd of [write3M, read60]) expect(seconds(dd)).toBeLessThan(1.5);
    expect(tool('jail', ['-r', 'iothrottle']).status).toBe(0);
  });

  it('sysjail.rctl in jail.conf: jail -c applies the rules, a fork loop hits maxproc, jail -r leaves nothing', async () => {
    const conf = join(fx.base, 'rctl-jail.conf');
    writeFileSync(
      conf,
      `confrctl {
  path = "${fx.root}";
  host.hostname = confrctl;
  ip4.addr = 127.0.13.10;
  persist;
  sysjail.rctl = "maxproc:deny=12";
  sysjail.rctl += "memoryuse:deny=48m";
}
`,
    );
    expect(tool('jail', ['-f', conf, '-c', 'confrctl'])).toMatchObject({ status: 0, stderr: '' });
    const rec = record('confrctl');
    const snapshot = snapshotJail(registry(), rec.jid);
    const pids = rec.limitCgroups?.pids;
    const memory = rec.limitCgroups?.memory;
    expect(readFileSync(join(pids!, 'pids.max'), 'utf8')).toBe('12\n');
    expect(readFileSync(join(memory!, 'memory.limit_in_bytes'), 'utf8')).toBe(`${48 * 2 ** 20}\n`);
    expect(tool('rctl', ['-h', 'jail:confrctl']).stdout).toBe(
      'jail:confrctl:maxproc:deny=12\njail:confrctl:memoryuse:deny=48M\n',
    );
    expect(tool('sjls', ['-v', '-j', 'confrctl']).stdout).toMatch(
      /^limits: +maxproc:deny=12 memoryuse:deny=48M$/m,
    );
    // 30 background sleeps: the fork that would make the 13th process of the jail fails
    const loop = tool('jexec', [
      'confrctl',
      '/bin/sh',
      '-c',
      'n=0; while [ $n -lt 30 ]; do sleep 600 >/dev/null 2>&1 & n=$((n+1)); done; echo forked $n',
    ]);
    expect(loop.stdout).not.toContain('forked 30');
    expect(loop.stderr).toMatch(/can't fork/);
    expect(readFileSync(join(pids!, 'pids.events'), 'utf8')).toMatch(/^max [1-9][0-9]*$/m);
    expect(Number(readFileSync(join(pids!, 'pids.current'), 'utf8'))).toBeLessThanOrEqual(12);
    expect(Number(readFileSync(join(pids!, 'pids.current'), 'utf8'))).toBeGreaterThan(5);
    expect(tool('jail', ['-r', 'confrctl'])).toMatchObject({ status: 0, stderr: '' });
    expect(await waitGone(snapshot)).toEqual([]);
    expect(existsSync(pids!)).toBe(false);
    expect(existsSync(memory!)).toBe(false);
    expect(tool('rctl', ['jail:confrctl']).stdout).toBe('');
  });

  it('a bad sysjail.rctl rule stops jail -c before anything is created, naming file, line and column', () => {
    const conf = join(fx.base, 'bad-rctl-jail.conf');
    writeFileSync(
      conf,
      `badrctl {
  path = "${fx.root}";
  persist;
  sysjail.rctl = "maxproc:deny=12",
    "memoryuse:sigkill=1g";
}
`,
    );
    const r = tool('jail', ['-f', conf, '-c', 'badrctl']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `jail: ${conf}:5:5: sysjail.rctl: memoryuse:sigkill=1g: action "sigkill" is not supported for memoryuse (deny)\n`,
    );
    expect(registry().find('badrctl')).toBeUndefined();
  });

  it("pcpu throttles a busy jail: its cgroup's CFS quota is set and the kernel counts throttled periods", async () => {
    const started = tool('sysjail', [
      '-b',
      '-n',
      'pcpuspin',
      '--pcpu',
      '20',
      fx.root,
      'h',
      '127.0.13.11',
      '/bin/sh',
      '-c',
      'while :; do :; done',
    ]);
    expect(started).toMatchObject({ status: 0, stderr: '' });
    const rec = record('pcpuspin');
    const cpu = rec.limitCgroups?.cpu;
    expect(cpu).toBeDefined();
    const v1 = existsSync(join(cpu!, 'cpu.cfs_quota_us'));
    if (v1) {
      expect(readFileSync(join(cpu!, 'cpu.cfs_quota_us'), 'utf8')).toBe('20000\n');
      expect(readFileSync(join(cpu!, 'cpu.cfs_period_us'), 'utf8')).toBe('100000\n');
    } else expect(readFileSync(join(cpu!, 'cpu.max'), 'utf8')).toBe('20000 100000\n');
    // The kernel's evidence: periods in which the jail ran out of quota (v1 throttled_time in ns,
    // v2 throttled_usec), growing while the loop spins.
    const throttled = () => {
      const stat = readFileSync(join(cpu!, 'cpu.stat'), 'utf8');
      const n = /^nr_throttled ([0-9]+)$/m.exec(stat);
      const t = /^throttled_(?:time|usec) ([0-9]+)$/m.exec(stat);
      if (!n || !t) throw new Error(`cpu.stat without throttling counters: ${stat}`);
      return { periods: Number(n[1]), time: Number(t[1]) };
    };
    let first = throttled();
    for (let i = 0; i < 200 && first.periods < 3; i++) {
      await sleep(50);
      first = throttled();
    }
    expect(first.periods).toBeGreaterThanOrEqual(3);
    expect(first.time).toBeGreaterThan(0);
    let later = throttled();
    for (let i = 0; i < 200 && later.periods < first.periods + 3; i++) {
      await sleep(50);
      later = throttled();
    }
    expect(later.periods).toBeGreaterThanOrEqual(first.periods + 3);
    expect(later.time).toBeGreaterThan(first.time);
    // a jail without a pcpu rule gets no cpu cgroup of its own (no quota)
    expect(
      tool('sysjail', ['-b', '-n', 'pcpufree', fx.root, 'h', '127.0.13.12', '/bin/sleep', '600']).status,
    ).toBe(0);
    expect(record('pcpufree').limitCgroups?.cpu).toBeUndefined();
    expect(tool('jail', ['-r', 'pcpufree']).status).toBe(0);
    expect(tool('jail', ['-r', 'pcpuspin']).status).toBe(0);
    expect(existsSync(cpu!)).toBe(false);
  });

  it('bad rules are usage errors naming the problem', () => {
    const user = tool('rctl', ['-a', 'user:1000:maxproc:deny=1']);
    expect(user.status).toBe(2);
    expect(user.stderr.split('\n')[0]).toBe(
      'rctl: user:1000:maxproc:deny=1: subject "user" is not supported: only jail rules exist here',
    );
    expect(user.stderr).toMatch(/^usage: rctl /m);
    expect(tool('rctl', ['-a', 'jail:x:memoryuse:log=1'])).toMatchObject({ status: 2 });
    expect(tool('rctl', ['-a', 'jail:x:swapuse:deny=1']).stderr).toMatch(
      /"swapuse" is not supported on Linux/,
    );
    expect(tool('rctl', ['-u', 'jail:nosuchjail'])).toMatchObject({
      status: 1,
      stderr: 'rctl: jail "nosuchjail" not found\n',
    });
    const bad = tool('sysjail', ['--memory', 'lots', fx.root, 'h', '127.0.13.7', '/bin/true']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('sysjail: --memory: bad amount "lots"');
  });
});
