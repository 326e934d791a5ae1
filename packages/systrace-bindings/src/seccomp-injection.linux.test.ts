// Stacking a filter on a running multi-threaded process by injection: its threads stopped in user
// mode, in read(2) and in nanosleep(2) go on as if nothing happened (no EINTR leaks out of a restart),
// every thread is under the new filter, the kernel's copy is the filter we wrote; bytes changed between
// the write and the kernel's copy are seen there; an i386 process is refused untouched.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InjectionRefusedError,
  injectSeccompFilter,
  PTRACE_O_EXITKILL,
  PTRACE_O_TRACESYSGOOD,
  ptraceDetach,
  ptraceInterrupt,
  ptraceSeccompGetFilter,
  ptraceSeccompGetNewestFilter,
  ptraceSeize,
  SECCOMP_FILTER_FLAG_TSYNC,
  waitTracee,
} from './index.js';

const source = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'injection-victim.c');
let dir = '';
const bin = { x86_64: '', i386: '' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysjail-inject-'));
  for (const [abi, flags] of [
    ['x86_64', []],
    ['i386', ['-m32', '-static']],
  ] as const) {
    const out = join(dir, abi);
    const r = spawnSync('gcc', ['-O2', '-Wall', '-pthread', ...flags, '-o', out, source], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    bin[abi] = out;
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// getpgid (121 on x86_64) → EPERM, everything else allowed: ld nr; jeq 121; ret errno; ret allow.
function denyGetpgid(errno = 1): Buffer {
  const b = Buffer.alloc(32);
  const put = (i: number, code: number, jt: number, jf: number, k: number) => {
    b.writeUInt16LE(code, 8 * i);
    b[8 * i + 2] = jt;
    b[8 * i + 3] = jf;
    b.writeUInt32LE(k >>> 0, 8 * i + 4);
  };
  put(0, 0x20, 0, 0, 0);
  put(1, 0x15, 0, 1, 121);
  put(2, 0x06, 0, 0, 0x00050000 | errno);
  put(3, 0x06, 0, 0, 0x7fff0000);
  return b;
}

class Victim {
  readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private constructor(path: string, threads: number) {
    this.child = spawn(path, [String(threads)]);
    this.child.stdout.on('data', (d) => {
      this.out += d;
    });
  }
  static async start(path: string, threads: number): Promise<Victim> {
    const v = new Victim(path, threads);
    await v.line(/^ready/);
    await new Promise((r) => setTimeout(r, 100));
    return v;
  }
  async line(re: RegExp): Promise<string> {
    for (let i = 0; i < 400; i++) {
      const lines = this.out.split('\n');
      const at = lines.findIndex((l) => re.test(l));
      if (at >= 0) {
        this.out = lines.slice(at + 1).join('\n');
        return lines[at];
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no ${re} in ${this.out}`);
  }
  async probe(): Promise<string> {
    this.child.stdin.write('probe\n');
    return this.line(/^probe/);
  }
  tids(): number[] {
    return readdirSync(`/proc/${this.child.pid}/task`).map(Number);
  }
  filters(): number[] {
    return this.tids().map((t) =>
      Number(
        /^Seccomp_filters:\s+(\d+)/m.exec(
          readFileSync(`/proc/${this.child.pid}/task/${t}/status`, 'utf8'),
        )?.[1],
      ),
    );
  }
  end(): void {
    this.child.kill('SIGKILL');
  }
}

/** Seizes and stops every thread; returns their ids. */
function stopAll(tids: number[]): void {
  for (const t of tids) ptraceSeize(t, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
  for (const t of tids) ptraceInterrupt(t);
  for (const t of tids)
    expect(waitTracee(t, Date.now() + 5000)).toMatchObject({ kind: 'event-stop', signal: 5 });
}

describe('injectSeccompFilter', () => {
  it('stacks a filter on every thread of a running process (TSYNC); interrupted calls restart', async () => {
    const v = await Victim.start(bin.x86_64, 4);
    try {
      expect(await v.probe()).toBe('probe 0 0 0 0 0 errors=0');
      const tids = v.tids();
      expect(tids).toHaveLength(5);
      const before = v.filters();
      stopAll(tids);
      const filter = denyGetpgid();
      const r = injectSeccompFilter(tids[0], filter, SECCOMP_FILTER_FLAG_TSYNC);
      expect(r).toEqual({ result: 0, signals: [] });
      for (const t of tids) expect(ptraceSeccompGetNewestFilter(t)).toEqual(filter);
      for (const t of tids) ptraceDetach(t);
      expect(v.filters()).toEqual(before.map((n) => n + 1));
      // every thread refused, none saw its read or nanosleep fail: they were restarted
      expect(await v.probe()).toBe('probe 1 1 1 1 1 errors=0');
      // and again, with the process in the state the first move left it
      stopAll(tids);
      expect(injectSeccompFilter(tids[2], denyGetpgid(13), SECCOMP_FILTER_FLAG_TSYNC).result).toBe(0);
      for (const t of tids) {
        expect(ptraceSeccompGetNewestFilter(t)).toEqual(denyGetpgid(13));
        expect(ptraceSeccompGetFilter(t, 0)).toEqual(filter); // index 0: the oldest
      }
      for (const t of tids) ptraceDetach(t);
      expect(await v.probe()).toBe('probe 13 13 13 13 13 errors=0');
    } finally {
      v.end();
    }
  });

  it('the kernel copy shows bytes changed between the write and the call (a sharer of the memory)', async () => {
    const v = await Victim.start(bin.x86_64, 1);
    try {
      const tids = v.tids();
      stopAll(tids);
      const filter = denyGetpgid();
      const r = injectSeccompFilter(tids[0], filter, SECCOMP_FILTER_FLAG_TSYNC, {
        afterWrite(tid, address) {
          // what another process sharing the stack could do: errno EPERM becomes 0 (allow in effect)
          const f = openSync(`/proc/${tid}/mem`, 'r+');
          writeSync(f, Buffer.from([0x00, 0x00, 0x05, 0x00]), 0, 4, Number(address + 20n));
          closeSync(f);
        },
      });
      expect(r.result).toBe(0);
      const installed = ptraceSeccompGetNewestFilter(tids[0]);
      expect(installed).toBeDefined();
      expect(installed?.equals(filter)).toBe(false);
      expect(installed?.readUInt32LE(20)).toBe(0x00050000);
      for (const t of tids) ptraceDetach(t);
    } finally {
      v.end();
    }
  });

  it('refuses a thread in 32-bit mode and leaves it as it was', async () => {
    const v = await Victim.start(bin.i386, 1);
    try {
      const tids = v.tids();
      stopAll(tids);
      const before = v.filters();
      expect(() => injectSeccompFilter(tids[0], denyGetpgid(), SECCOMP_FILTER_FLAG_TSYNC)).toThrow(
        InjectionRefusedError,
      );
      for (const t of tids) ptraceDetach(t);
      expect(v.filters()).toEqual(before);
      expect(await v.probe()).toBe('probe 0 0 errors=0');
    } finally {
      v.end();
    }
  });
});
