// callerMismatch against real children, each started equal to this process but for one attribute.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { close, pidfdOpen } from '@sysjail/systrace-bindings';
import { afterEach, describe, expect, it } from 'vitest';
import { firstLine, killChildren } from '../integration/children.js';
import { CALLER_ATTRIBUTES, callerMismatch, callerMismatches } from './caller-context.js';

const bindings = pathToFileURL(createRequire(import.meta.url).resolve('@sysjail/systrace-bindings')).href;
// the built module, for a child to compare itself with another (children cannot run TypeScript)
const callerContext = new URL('../../dist/daemon/caller-context.js', import.meta.url).href;

/**
 * A node child's setup: the calling thread under a filter that allows everything; `load` makes it
 * another filter (it loads the call's number first).
 */
const filterSetup = (load = false): string => `
  const insn = (code, k) => { const i = Buffer.alloc(8); i.writeUInt16LE(code, 0); i.writeUInt32LE(k, 4); return i; };
  const filter = [insn(0x06, 0x7fff0000)]; // BPF_RET | BPF_K: SECCOMP_RET_ALLOW
  ${load ? 'filter.unshift(insn(0x20, 0)); // BPF_LD | BPF_W | BPF_ABS: seccomp_data.nr' : ''}
  b.seccompSetModeFilter(Buffer.concat(filter));`;

const children: ChildProcess[] = [];
const fds: number[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await killChildren(children);
  for (const fd of fds.splice(0)) close(fd);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function started(command: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}

/** A command that ends in `exec sleep 30`, once it has: its attribute is set by then. */
async function sleeper(...argv: string[]): Promise<{ pid: number; pidfd: number }> {
  const child = await started(argv[0]!, argv.slice(1));
  const pid = child.pid as number;
  while (readFileSync(`/proc/${pid}/comm`, 'utf8') !== 'sleep\n') {
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const pidfd = pidfdOpen(pid);
  fds.push(pidfd);
  return { pid, pidfd };
}

/** A node child that runs `setup` (with the bindings as `b`), then says ready and waits. */
async function nodeChild(setup: string): Promise<{ pid: number; pidfd: number }> {
  const script = `import * as b from '${bindings}';\n${setup}\nprocess.stdout.write('ready\\n');\nsetInterval(() => {}, 1e6);`;
  const child = await started(process.execPath, ['--input-type=module', '-e', script]);
  const out = await firstLine(child);
  expect(out).toBe('ready\n');
  const pidfd = pidfdOpen(child.pid as number);
  fds.push(pidfd);
  return { pid: child.pid as number, pidfd };
}

describe('callerMismatch', () => {
  it('a plain child equals this process', async () => {
    const { pid, pidfd } = await sleeper('sleep', '30');
    expect(callerMismatches(pid, pidfd)).toEqual([]);
    expect(callerMismatch(pid, pidfd)).toBeUndefined();
  });

  it('so does a plain node child', async () => {
    const { pid, pidfd } = await nodeChild('');
    expect(callerMismatches(pid, pidfd)).toEqual([]);
  });

  // [command, the first attribute that differs, every one that does]
  const cases: [string[], string, string[]][] = [
    [['nice', '-n', '5', 'sleep', '30'], 'nice', ['nice']],
    [['taskset', '-c', '0', 'sleep', '30'], 'cpus', ['cpus']],
    [['prlimit', '--nofile=512:1024', 'sleep', '30'], 'limits', ['limits']],
    [['sh', '-c', 'umask 077; exec sleep 30'], 'Umask', ['Umask']],
    [['choom', '-n', '100', '--', 'sleep', '30'], 'oom_score_adj', ['oom_score_adj']],
    [['setpriv', '--nnp', 'sleep', '30'], 'NoNewPrivs', ['NoNewPrivs']],
    [
      ['capsh', '--drop=cap_sys_admin', '--', '-c', 'exec sleep 30'],
      'CapPrm',
      ['CapPrm', 'CapEff', 'CapBnd'],
    ],
    [['setpriv', '--bounding-set', '-sys_admin', 'sleep', '30'], 'CapPrm', ['CapPrm', 'CapEff', 'CapBnd']],
    [['unshare', '-n', 'sleep', '30'], 'ns:net', ['ns:net']],
    // the new namespace's root is a copy of the root mount: the same inode, another mount
    [['unshare', '-m', 'sleep', '30'], 'ns:mnt', ['ns:mnt', 'root']],
    [['ionice', '-c3', 'sleep', '30'], 'ioprio', ['ioprio']],
  ];
  for (const [argv, first, all] of cases) {
    it(`${argv.join(' ')}: ${first}`, async () => {
      const { pid, pidfd } = await sleeper(...argv);
      expect(callerMismatch(pid, pidfd)).toBe(first);
      expect(callerMismatches(pid, pidfd)).toEqual(all);
    });
  }

  it('a child under an allow-all seccomp filter: Seccomp', async () => {
    const { pid, pidfd } = await nodeChild(filterSetup());
    expect(callerMismatch(pid, pidfd)).toBe('Seccomp');
    expect(callerMismatches(pid, pidfd)).toContain('Seccomp_filters');
  });

  it('under a filter, a process never equals another under a different filter of the same count', async () => {
    // filters cannot be compared by identity: the supervisor under one would take for its own the filter of
    // any caller with as many
    const other = await nodeChild(filterSetup(true));
    const child = await started(process.execPath, [
      '--input-type=module',
      '-e',
      `import * as b from '${bindings}';
      import { callerMismatches } from '${callerContext}';
      ${filterSetup()}
      process.stdout.write(JSON.stringify(callerMismatches(${other.pid}, b.pidfdOpen(${other.pid}))));`,
    ]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((r) => child.once('exit', r));
    expect(JSON.parse(out)).toEqual(['Seccomp', 'Seccomp_filters']);
  });

  it('a chrooted child: root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caller-root-'));
    dirs.push(dir);
    const { pid, pidfd } = await nodeChild(`b.chroot(${JSON.stringify(dir)});`);
    expect(callerMismatches(pid, pidfd)).toEqual(['root']);
  });

  it('a pid whose process was reaped, with its old pidfd: gone, even when the pid names an equal process', async () => {
    const { pid, pidfd } = await sleeper('sleep', '30');
    const child = children.at(-1)!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited; // reaped by Node: the pid is free
    expect(callerMismatch(pid, pidfd)).toBe('gone');
    // as if the pid had been reused by a process equal to this one
    const other = await sleeper('sleep', '30');
    expect(callerMismatch(other.pid, other.pidfd)).toBeUndefined();
    expect(callerMismatch(other.pid, pidfd)).toBe('gone');
  });

  it('a pidfd of another process than the pid: pidfd', async () => {
    const a = await sleeper('sleep', '30');
    const b = await sleeper('sleep', '30');
    expect(callerMismatch(a.pid, b.pidfd)).toBe('pidfd');
    expect(callerMismatch(a.pid, a.pidfd)).toBeUndefined();
  });

  it('names its attributes once each', () => {
    expect(new Set(CALLER_ATTRIBUTES).size).toBe(CALLER_ATTRIBUTES.length);
    expect(CALLER_ATTRIBUTES).toEqual(
      expect.arrayContaining(['ns:time_for_children', 'root', 'lsm', 'ioprio']),
    );
  });
});
