/**
 * Listeners (core's sysjail(3) API) against a real jail: a listener decides and performs on its own
 * copy (a string flipped by another thread of the caller cannot make it act on what it refused), a
 * listener that does not answer in time denies (the main thread blocked: the jail does not hang), a
 * listener's `allow` is refused for a call it read memory of and honoured for a scalar-only call, and
 * the calls are counted per syscall.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AuditRecord,
  allow,
  defaultPrisonFlags,
  deny,
  emulate,
  execInJail,
  type JailOptions,
  JailRoot,
  type Listener,
  openRegistry,
  startJail,
} from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture, SUPERVISION_MODES } from './jail-fixture.js';

const flipSource = fileURLToPath(
  new URL('./victims/flip-mkdir.c', import.meta.url).href.replace('/dist/', '/src/'),
);

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('listeners');
  mkdirSync(join(fx.root, 'tmp'), { recursive: true, mode: 0o1777 });
  const bin = join(fx.base, 'flip-mkdir');
  execFileSync('gcc', ['-O1', '-static', '-pthread', '-o', bin, flipSource], { stdio: 'pipe' });
  copyFileSync(bin, join(fx.root, 'bin', 'flip-mkdir'));
  chmodSync(join(fx.root, 'bin', 'flip-mkdir'), 0o755);
});
afterAll(() => fx?.cleanup());

function jailWith(command: string, listeners: readonly Listener[]): JailOptions {
  return {
    prison: { path: fx.root, hostname: 'listen.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
    command: ['/bin/sh', '-c', command],
    emulation: linux,
    stdio: [0, 1, 2],
    listeners,
  };
}

describe.each(SUPERVISION_MODES)('listeners (supervision %s)', (supervision) => {
  const jailIn = (command: string, listeners: readonly Listener[]): JailOptions => ({
    ...jailWith(command, listeners),
    supervision,
  });

  it('decide and perform on their copy: a path flipped by another thread never reaches /etc', async () => {
    const root = new JailRoot(fx.root);
    const seen = new Map<string, number>();
    const underEtc = (p: string) => p === '/etc' || p.startsWith('/etc/');
    const listener: Listener = {
      syscall: 'mkdir',
      handle(call) {
        const path = call.args[0].string ?? '';
        seen.set(path, (seen.get(path) ?? 0) + 1);
        if (underEtc(path)) return deny('EACCES');
        return root.mkdir(path, 0o755, (parent) => !underEtc(parent)) ? emulate(0) : deny('EACCES');
      },
    };
    const jail = await startJail(jailIn('/bin/flip-mkdir 3000 > /tmp/flip.out', [listener]));
    expect((await jail.exited).code).toBe(0);
    root.close();
    const out = readFileSync(join(fx.root, 'tmp', 'flip.out'), 'utf8');
    const [made, failed] = (/made ([0-9]+), failed ([0-9]+)/.exec(out) ?? []).slice(1).map(Number);
    expect(made + failed).toBe(3000);
    // The race was run: the listener saw both strings, made some and refused some.
    expect(seen.get('/tmp/flip') ?? 0).toBeGreaterThan(0);
    expect(seen.get('/etc/flip') ?? 0).toBeGreaterThan(0);
    expect(made).toBe(seen.get('/tmp/flip'));
    expect(existsSync(join(fx.root, 'etc', 'flip'))).toBe(false);
    expect(jail.counters().byCall.mkdir).toEqual({ denied: failed, emulated: made });
  });

  // Supervised in the worker, the call is denied at its time limit while this thread is blocked; in this
  // thread, when it is free again (the answer is late: denied the same way).
  it('deny with EPERM when the listener misses its time limit, also while the main thread is blocked', async () => {
    let blockedFor = 0;
    const listener: Listener = {
      syscall: 'mkdir',
      timeoutMs: 200,
      handle() {
        // The main thread stays busy far beyond the limit.
        const start = Date.now();
        while (Date.now() - start < 1500) {}
        blockedFor = Date.now() - start;
        return emulate(0);
      },
    };
    const audits: AuditRecord[] = [];
    const jail = await startJail(
      jailIn('mkdir /tmp/late 2>/dev/null; echo "status $?" > /tmp/late.out', [listener]),
    );
    jail.on('audit', (r: AuditRecord) => audits.push(r));
    expect((await jail.exited).code).toBe(0);
    expect(blockedFor).toBeGreaterThanOrEqual(1500);
    expect(readFileSync(join(fx.root, 'tmp', 'late.out'), 'utf8').trim()).toBe('status 1');
    expect(existsSync(join(fx.root, 'tmp', 'late'))).toBe(false);
    expect(jail.counters().listenerFailures).toBe(1);
    expect(audits.map((a) => [a.syscall, a.errno, a.reason])).toContainEqual([
      'mkdir',
      'EPERM',
      'listener 0 did not answer within 200 ms',
    ]);
  });

  it('refuse `allow` for a call whose memory the listener read; honour it for scalar calls', async () => {
    const asked: string[] = [];
    const ask = <T>(name: string, answer: T): T => {
      asked.push(name);
      return answer;
    };
    const listeners: Listener[] = [
      { syscall: 'mkdir', handle: () => ask('mkdir', allow) },
      { syscall: 'umask', scalarsOnly: true, handle: () => ask('umask', allow) },
      { syscall: 'rmdir', handle: () => ask('rmdir', deny('EROFS')) },
    ];
    const jail = await startJail(
      jailIn(
        'mkdir /tmp/allowed 2>/dev/null; echo "mkdir $?" > /tmp/allow.out; umask 027; echo "umask $(umask)" >> /tmp/allow.out; ' +
          'rmdir /tmp 2>> /tmp/allow.out; echo "rmdir $?" >> /tmp/allow.out',
        listeners,
      ),
    );
    expect((await jail.exited).code).toBe(0);
    const out = readFileSync(join(fx.root, 'tmp', 'allow.out'), 'utf8');
    expect(out).toContain('mkdir 1');
    expect(existsSync(join(fx.root, 'tmp', 'allowed'))).toBe(false);
    expect(out).toContain('umask 0027');
    expect(out).toMatch(/Read-only file system/);
    expect(out).toContain('rmdir 1');
    expect(asked).toEqual(expect.arrayContaining(['mkdir', 'umask', 'rmdir']));
    expect(jail.counters().byCall.mkdir?.denied).toBe(1);
  });

  it('listen to a class of calls; allow of a scalar-only listener lets the kernel run them', async () => {
    const seen = new Set<string>();
    const listener: Listener = {
      class: 'creds',
      scalarsOnly: true,
      handle(call) {
        seen.add(call.syscall);
        return allow;
      },
    };
    const jail = await startJail(jailIn('id -u > /tmp/creds.out; id -g >> /tmp/creds.out', [listener]));
    expect((await jail.exited).code).toBe(0);
    expect(readFileSync(join(fx.root, 'tmp', 'creds.out'), 'utf8')).toBe('0\n0\n');
    expect([...seen].length).toBeGreaterThan(0);
    const creds = new Set(
      linux.tables.flatMap((t) => t.entries.filter((e) => e.classes?.includes('creds')).map((e) => e.name)),
    );
    for (const name of seen) expect(creds.has(name), name).toBe(true);
    // Let through, so neither denied nor emulated.
    for (const name of seen) expect(jail.counters().byCall[name]).toBeUndefined();
  });

  it('listen to one ABI only: i386 getpid emulated, x86_64 getpid untouched', async () => {
    const listener: Listener = {
      syscall: 'getpid',
      abi: 'i386',
      scalarsOnly: true,
      handle: () => emulate(4242),
    };
    const jail = await startJail(
      jailIn(
        '/bin/probe32 proc 99999 | grep mypid > /tmp/abi.out; /bin/probe64 proc 99999 | grep mypid >> /tmp/abi.out',
        [listener],
      ),
    );
    expect((await jail.exited).code).toBe(0);
    const [i386, x86_64] = readFileSync(join(fx.root, 'tmp', 'abi.out'), 'utf8')
      .trim()
      .split('\n');
    expect(i386).toBe('mypid 4242');
    expect(x86_64).toMatch(/^mypid [0-9]+$/);
    expect(x86_64).not.toBe('mypid 4242');
    expect(jail.counters().byCall).toMatchObject({ 'getpid/i386': { denied: 0, emulated: 1 } });
  });

  it('deny with EPERM, counted, when a listener rejects or answers what is not an answer', async () => {
    const listeners: Listener[] = [
      { syscall: 'mkdir', handle: () => Promise.reject(new Error('no')) },
      { syscall: 'rmdir', handle: () => ({ action: 'errno', errno: 'ENOTANERRNO' }) as never },
      { syscall: 'chmod', handle: () => ({ action: 'emulate', value: 'zero' }) as never },
    ];
    const audits: AuditRecord[] = [];
    const jail = await startJail(
      jailIn(
        'mkdir /tmp/r 2>/dev/null; echo "mkdir $?" > /tmp/bad.out; rmdir /tmp 2>/dev/null; echo "rmdir $?" >> /tmp/bad.out; ' +
          'chmod 1777 /tmp 2>/dev/null; echo "chmod $?" >> /tmp/bad.out',
        listeners,
      ),
    );
    jail.on('audit', (r: AuditRecord) => audits.push(r));
    expect((await jail.exited).code).toBe(0);
    expect(readFileSync(join(fx.root, 'tmp', 'bad.out'), 'utf8')).toBe('mkdir 1\nrmdir 1\nchmod 1\n');
    expect(jail.counters().listenerFailures).toBe(3);
    expect(audits.map((a) => [a.syscall, a.errno])).toEqual([
      ['mkdir', 'EPERM'],
      ['rmdir', 'EPERM'],
      ['chmod', 'EPERM'],
    ]);
  });

  it('refuse a listener that names no call of the emulation (a typo never becomes allow)', async () => {
    await expect(startJail(jailIn('true', [{ syscall: 'mkdri', handle: () => allow }]))).rejects.toThrow(
      'no system call mkdri',
    );
  });
});

describe('sub-policies', () => {
  it('only take away: a sub-policy that allows what the jail denies does not widen it; unknown names and notify rules are refused', async () => {
    const registryDir = join(fx.base, 'sub-registry');
    const registry = openRegistry(registryDir);
    const jail = await startJail({
      ...jailWith('while [ ! -e /tmp/sub-stop ]; do sleep 0.05; done', []),
      registry,
      subPolicies: {
        // allow is the default of a sub-policy: the jail's own filter still refuses mount and setns.
        loose: {
          rules: [
            { syscall: 'mount', decision: allow },
            { syscall: 'setns', decision: allow },
          ],
        },
        strict: {
          rules: ['chmod', 'fchmodat'].map((syscall) => ({ syscall, decision: deny('EACCES') })),
        },
      },
    });
    try {
      const record = registry.find(jail.jid);
      if (!record) throw new Error('no record');
      const run = async (line: string, subPolicy?: string) =>
        (
          await (
            await execInJail({
              record,
              registryDir,
              command: ['/bin/sh', '-c', line],
              terminal: 'never',
              ...(subPolicy ? { subPolicy } : {}),
            })
          ).exited
        ).code;
      await run('mount -t tmpfs none /mnt 2> /tmp/loose.out; echo "mount $?" >> /tmp/loose.out', 'loose');
      const loose = readFileSync(join(fx.root, 'tmp', 'loose.out'), 'utf8');
      expect(loose).toContain('mount 1');
      expect(loose).toMatch(/Operation not permitted|permission denied/i);
      // The strict one: chmod fails in the moved shell and in what it execs, and not elsewhere.
      const chmod = 'chmod 1777 /tmp 2>/dev/null; echo "chmod $?"';
      await run(`${chmod} > /tmp/strict.out; sh -c '${chmod}' >> /tmp/strict.out`, 'strict');
      expect(readFileSync(join(fx.root, 'tmp', 'strict.out'), 'utf8')).toBe('chmod 1\nchmod 1\n');
      await run(`${chmod} > /tmp/free.out`);
      expect(readFileSync(join(fx.root, 'tmp', 'free.out'), 'utf8')).toBe('chmod 0\n');
      await expect(run('true', 'nonexistent')).rejects.toThrow('has no sub-policy nonexistent');
    } finally {
      writeFileSync(join(fx.root, 'tmp', 'sub-stop'), '');
      await jail.exited;
    }
    await expect(
      startJail({
        ...jailWith('true', []),
        subPolicies: {
          bad: { rules: [{ syscall: 'mkdir', decision: { action: 'notify', handler: 'listen' } }] },
        },
      }),
    ).rejects.toThrow('sub-policy bad: mkdir: only allow, deny and kill');
  });
});
