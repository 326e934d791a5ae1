/**
 * Moving running processes of a real jail to a stricter sub-policy (jail.moveToSubPolicy: the filter
 * injected through ptrace), attacked: a multi-threaded target (every thread under the filter, none makes
 * a directory after the move), a target that forks (and vforks) all the time, each child exiting at once
 * and its child handed over (none escapes the move), filter bytes changed between the write and the kernel's copy
 * (the process is killed), a process sharing the target's stack that rewrites the filter there all the
 * time (the target is killed or under the compiled filter, never alive under another), a process another
 * process of the jail traces (killed), an i386 process
 * (refused, unchanged) and the jail's init (refused). And a changeable rule set of a running jail,
 * switched on and off while a process tries.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  allow,
  compileFilter,
  defaultPrisonFlags,
  deny,
  type Jail,
  JailRoot,
  openRegistry,
  PrisonConfigError,
  startJail,
} from '@sysjail/core';
import { encodeFilter, JailCgroup, stackFilter } from '@sysjail/core/internals';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { buildVictim } from './victim-build.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('move');
  mkdirSync(join(fx.root, 'tmp'), { recursive: true, mode: 0o1777 });
  const bin = buildVictim('integration/victims/move-victim.c', ['-pthread']);
  const root = new JailRoot(fx.root);
  root.writeFile('/bin/move-victim', readFileSync(bin), 0o755);
  const bin32 = buildVictim('integration/victims/move-victim.c', ['-pthread', '-m32']);
  root.writeFile('/bin/move-victim32', readFileSync(bin32), 0o755);
  root.close();
});
afterAll(() => fx?.cleanup());

const readOnly = (name: string) => ({ syscall: name, decision: deny('EROFS'), reason: 'no directories' });
const noMkdir = { rules: [readOnly('mkdir'), readOnly('mkdirat')] };

async function jailRunning(command: string): Promise<Jail> {
  return startJail({
    prison: { path: fx.root, hostname: 'move.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
    command: ['/bin/sh', '-c', command],
    emulation: linux,
    stdio: [0, 1, 2],
    registry: openRegistry(join(fx.runDir, 'jails')),
    subPolicies: { 'no-mkdir': noMkdir },
  });
}

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    await sleep(25);
  }
  throw new Error(`timed out: ${what}`);
}

/** The host pid of the process whose pid the victim wrote to /tmp/NAME.pid. */
async function victimPid(jail: Jail, name: string): Promise<number> {
  const file = join(fx.root, 'tmp', `${name}.pid`);
  return until(`${name}.pid`, () => {
    try {
      return jail.hostPidOf(Number(readFileSync(file, 'utf8')));
    } catch {
      return undefined;
    }
  });
}

const filtersOf = (pid: number, tid = pid): number =>
  Number(/^Seccomp_filters:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1]);
const tasksOf = (pid: number) => readdirSync(`/proc/${pid}/task`).map(Number);

/** Every process of the jail's PID namespace, by host pid, with its name. */
function jailProcesses(jail: Jail): { pid: number; comm: string }[] {
  const ns = readlinkSync(`/proc/${jail.initPid}/ns/pid`);
  const out: { pid: number; comm: string }[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/ns/pid`) !== ns) continue;
      out.push({ pid: Number(e), comm: readFileSync(`/proc/${e}/comm`, 'utf8').trim() });
    } catch {}
  }
  return out;
}

const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('moving running processes to a sub-policy', () => {
  it('a multi-threaded process: every thread under the filter, none makes a directory after', async () => {
    rmSync(join(fx.root, 'tmp', 'mt'), { recursive: true, force: true });
    rmSync(join(fx.root, 'tmp', 'threads.pid'), { force: true });
    const jail = await jailRunning('exec move-victim threads 4');
    try {
      const pid = await victimPid(jail, 'threads');
      const made = () => readdirSync(join(fx.root, 'tmp', 'mt'));
      await until('every thread making directories', () =>
        [0, 1, 2, 3].every((i) => made().some((d) => d.startsWith(`${i}.`))),
      );
      const tids = tasksOf(pid);
      expect(tids).toHaveLength(5);
      const before = tids.map((t) => filtersOf(pid, t));
      const result = await jail.moveToSubPolicy(pid, 'no-mkdir');
      expect(result).toEqual({ moved: [pid], killed: [] });
      expect(tids.map((t) => filtersOf(pid, t))).toEqual(before.map((n) => n + 1));
      const after = made().length;
      await sleep(300);
      expect(made().length).toBe(after);
      expect(alive(pid)).toBe(true);
    } finally {
      await jail.stop();
    }
  });

  for (const mode of ['fork', 'vfork'] as const) {
    it(`a process that ${mode}s all the time, its grandchildren handed over at once: none escapes`, async () => {
      rmSync(join(fx.root, 'tmp', `${mode}.pid`), { force: true });
      const jail = await jailRunning(`exec move-victim ${mode}`);
      try {
        const pid = await victimPid(jail, mode);
        await until(
          'grandchildren',
          () => jailProcesses(jail).filter((p) => p.comm === 'storm-gc').length >= 5,
        );
        const base = filtersOf(jail.initPid);
        const result = await jail.moveToSubPolicy(pid, 'no-mkdir');
        expect(result.killed).toEqual([]);
        expect(result.moved).toContain(pid);
        // Now, and after the storm went on: every process it made (all its descendants: it is their
        // subreaper) is under the sub-policy; only the init is not.
        for (let round = 0; round < 2; round++) {
          // The storm goes on (its grandchildren live briefly: wait for one, not a count at an instant).
          await until('the storm going on', () =>
            jailProcesses(jail).some((p) => p.comm === 'storm-gc' && alive(p.pid)),
          );
          const procs = jailProcesses(jail).filter((p) => p.pid !== jail.initPid && alive(p.pid));
          const escaped = procs.filter((p) => {
            try {
              return filtersOf(p.pid) !== base + 1;
            } catch {
              return false; // gone meanwhile
            }
          });
          expect(escaped).toEqual([]);
          await sleep(300);
        }
      } finally {
        await jail.stop();
      }
    });
  }

  it('filter bytes changed between the write and the kernel copy: the process is killed', async () => {
    rmSync(join(fx.root, 'tmp', 'mt'), { recursive: true, force: true });
    rmSync(join(fx.root, 'tmp', 'threads.pid'), { force: true });
    const jail = await jailRunning('exec move-victim threads 2');
    try {
      const pid = await victimPid(jail, 'threads');
      const record = openRegistry(join(fx.runDir, 'jails')).find(jail.jid);
      const cgroup = JailCgroup.at(record?.cgroupPath ?? '');
      const filter = encodeFilter(
        compileFilter(
          linux,
          { name: 'sub', rules: noMkdir.rules, defaultDecision: allow, unknownDecision: allow },
          { auditDenials: false },
        ).ops,
      );
      // The instruction that returns EROFS (BPF_RET|BPF_K, SECCOMP_RET_ERRNO | 30).
      const bytes = Buffer.from(filter);
      let erofs = -1;
      for (let i = 0; i < bytes.length; i += 8)
        if (bytes.readUInt16LE(i) === 6 && bytes.readUInt32LE(i + 4) === 0x0005001e) erofs = i;
      expect(erofs).toBeGreaterThanOrEqual(0);
      const result = stackFilter(cgroup, filter, {
        target: { pid },
        hooks: {
          // What a process sharing the memory could do after our write: EROFS becomes errno 0, a
          // valid filter that lets mkdir "succeed" without making anything.
          afterWrite(tid, address) {
            const f = openSync(`/proc/${tid}/mem`, 'r+');
            writeSync(f, Buffer.from([0x00]), 0, 1, Number(address + BigInt(erofs + 4)));
            closeSync(f);
          },
        },
      });
      expect(result.moved).toEqual([]);
      expect(result.killed).toEqual([{ pid, reason: expect.stringMatching(/is not the one written/) }]);
      await until('the process gone', () => !alive(pid));
    } finally {
      await jail.stop();
    }
  });

  it('a process sharing the stack rewrites the filter there all the time: killed, or under the compiled filter', async () => {
    rmSync(join(fx.root, 'tmp', 'sh'), { recursive: true, force: true });
    rmSync(join(fx.root, 'tmp', 'shared.pid'), { force: true });
    const jail = await jailRunning('exec move-victim shared');
    try {
      const pid = await victimPid(jail, 'shared');
      const made = () => readdirSync(join(fx.root, 'tmp', 'sh')).length;
      await until('making directories', () => made() > 3);
      const result = await jail.moveToSubPolicy(pid, 'no-mkdir');
      if (result.killed.length > 0) {
        expect(result.killed).toEqual([
          { pid, reason: expect.stringMatching(/not the one written|seccomp|injection/) },
        ]);
        await until('the process gone', () => !alive(pid));
      } else {
        expect(result.moved).toEqual([pid]);
        const after = made();
        await sleep(200);
        expect(made()).toBe(after);
      }
    } finally {
      await jail.stop();
    }
  });

  it('a process another process of the jail traces cannot be moved: it is killed', async () => {
    rmSync(join(fx.root, 'tmp', 'traced.pid'), { force: true });
    const jail = await jailRunning('exec move-victim traced');
    try {
      const pid = await victimPid(jail, 'traced');
      expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^TracerPid:\s+[1-9]/m);
      const result = await jail.moveToSubPolicy(pid, 'no-mkdir');
      expect(result.moved).toEqual([]);
      expect(result.killed).toEqual([{ pid, reason: expect.stringMatching(/another tracer holds it/) }]);
      await until('the process gone', () => !alive(pid));
    } finally {
      await jail.stop();
    }
  });

  it('an i386 process is refused and left as it was; so is the init', async () => {
    rmSync(join(fx.root, 'tmp', 'threads.pid'), { force: true });
    const jail = await jailRunning('exec move-victim32 threads 1');
    try {
      const pid = await victimPid(jail, 'threads');
      const before = filtersOf(pid);
      await expect(jail.moveToSubPolicy(pid, 'no-mkdir')).rejects.toThrow(/32-bit \(i386\)/);
      expect(filtersOf(pid)).toBe(before);
      expect(alive(pid)).toBe(true);
      await expect(jail.moveToSubPolicy(jail.initPid, 'no-mkdir')).rejects.toThrow(PrisonConfigError);
      await expect(jail.moveToSubPolicy(pid, 'no-such')).rejects.toThrow(/no sub-policy no-such/);
    } finally {
      await jail.stop();
    }
  });
});

describe("changing a running jail's rules", () => {
  it('a changeable rule set switched on and off while a process tries; an allow rule cannot be one', async () => {
    const tmp = join(fx.root, 'tmp');
    for (const f of ['rs-step1', 'rs-step2', 'rs-step3', 'rs.out', 'rs-1', 'rs-2', 'rs-3'])
      rmSync(join(tmp, f), { recursive: true, force: true });
    const script = [
      'for i in 1 2 3; do',
      '  while [ ! -e /tmp/rs-step$i ]; do sleep 0.05; done',
      '  mkdir /tmp/rs-$i 2>/dev/null; echo "$i $?" >> /tmp/rs.out',
      'done',
    ].join('\n');
    const jail = await startJail({
      prison: { path: fx.root, hostname: 'rules.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
      command: ['/bin/sh', '-c', script],
      emulation: linux,
      stdio: [0, 1, 2],
      changeableRules: { 'no-mkdir': noMkdir },
    });
    const lines = () => {
      try {
        return readFileSync(join(tmp, 'rs.out'), 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    };
    const attempt = async (i: number) => {
      writeFileSync(join(tmp, `rs-step${i}`), '');
      await until(`step ${i}`, () => lines().length >= i);
    };
    await attempt(1);
    await jail.change({ ruleSets: { 'no-mkdir': true } });
    await attempt(2);
    await jail.change({ ruleSets: { 'no-mkdir': false } });
    await attempt(3);
    expect((await jail.exited).code).toBe(0);
    expect(lines()).toEqual(['1 0', '2 1', '3 0']);
    // decided by the supervisor: counted there, once (the refusal)
    expect(jail.counters().byCall.mkdir).toEqual({ denied: 1, emulated: 0 });
    await expect(jail.change({ ruleSets: { 'no-mkdir': true } })).rejects.toThrow(PrisonConfigError);
    await expect(
      startJail({
        prison: { path: fx.root, hostname: 'rules.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
        command: ['/bin/true'],
        emulation: linux,
        changeableRules: { loose: { rules: [{ syscall: 'mount', decision: allow }] } },
      }),
    ).rejects.toThrow(/only deny and kill/);
  });
});
