// The native launcher: clone3 into namespaces and a cgroup, the setup program in the child, exec; the
// caller is untouched, a failed op never execs, the child is the calling thread's.
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyOneSyscall } from '../../test-fixtures/notify-filter.js';
import {
  CLD_EXITED,
  CLONE_NEWIPC,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  close,
  InvalidArgumentError,
  MNT_DETACH,
  MS_BIND,
  MS_PRIVATE,
  MS_REC,
  P_PIDFD,
  pipe2,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_TSYNC,
  type SetupOp,
  SetupOpError,
  SpawnError,
  WEXITED,
  WNOHANG,
  waitid,
} from '../index.js';
import { type LaunchedChild, launch, stdioFds } from './native-launcher.js';
import type { LaunchRequest } from './setup-program.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'systrace-native-launch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function outFile(name: string): { path: string; fd: number } {
  const path = join(dir, name);
  return { path, fd: openSync(path, 'w') };
}

/** Waits for the child (waitid WNOHANG on its pidfd, polled) and closes the pidfd. */
async function exitOf(child: LaunchedChild): Promise<{ code: number; status: number }> {
  for (;;) {
    const r = waitid(P_PIDFD, child.pidfd, WEXITED | WNOHANG);
    if (r.pid !== 0) {
      close(child.pidfd);
      return { code: r.code, status: r.status };
    }
    await new Promise((res) => setTimeout(res, 5));
  }
}

/** Runs a request whose stdout goes to a file; resolves to the exit and the output lines. */
async function run(request: Omit<LaunchRequest, 'stdio'>, name: string) {
  const out = outFile(name);
  const null_ = stdioFds('ignore');
  let child: LaunchedChild;
  try {
    child = launch({ ...request, stdio: [null_.fds[0], out.fd, 2] });
  } finally {
    closeSync(out.fd);
    null_.close();
  }
  const exit = await exitOf(child);
  return { exit, child, lines: readFileSync(out.path, 'utf8').trim().split('\n') };
}

const seccompMode = () => /Seccomp:\s+(\d)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];

describe('native launcher', () => {
  it('a child born in new PID/UTS/mount namespaces is PID 1 with its hostname and its own /proc', async () => {
    const procDir = join(dir, 'proc');
    const before = hostname();
    const { exit, lines } = await run(
      {
        namespaces: CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS,
        setup: [
          { op: 'mount', source: null, target: '/', fstype: null, flags: MS_REC | MS_PRIVATE },
          { op: 'sethostname', name: 'jailhost' },
          { op: 'mkdir', path: procDir },
          { op: 'mountProc', target: procDir },
        ],
        command: '/bin/sh',
        // /proc is there before the exec: no waiting
        args: ['-c', `echo $$; uname -n; cat ${procDir}/1/comm`],
        env: { PATH: '/usr/bin:/bin' },
      },
      'ns.txt',
    );
    expect(exit).toEqual({ code: CLD_EXITED, status: 0 });
    expect(lines).toEqual(['1', 'jailhost', 'sh']);
    expect(hostname()).toBe(before);
    expect(seccompMode()).toBe('0');
    expect(existsSync(join(procDir, '1'))).toBe(false); // the proc mount lived in the child's namespace
  });

  it('a jail: tmpfs root, pivot_root, its /proc, empty bounding set, no_new_privs, Landlock', async () => {
    const root = join(dir, 'root');
    const setup: SetupOp[] = [
      { op: 'mount', source: null, target: '/', fstype: null, flags: MS_REC | MS_PRIVATE },
      { op: 'mkdir', path: root },
      { op: 'mount', source: 'tmpfs', target: root, fstype: 'tmpfs', flags: 0, data: 'size=1m,mode=755' },
      { op: 'mkdir', path: join(root, 'bin') },
      { op: 'mkdir', path: join(root, 'proc') },
      { op: 'mkdir', path: join(root, 'oldroot') },
      { op: 'mount', source: '/usr/bin', target: join(root, 'bin'), fstype: null, flags: MS_BIND | MS_REC },
      { op: 'tmpfsInRoot', root, target: '/bin/../tmp-link', options: { size: '64k' }, readonly: true },
      { op: 'pivotRoot', newRoot: root, putOld: join(root, 'oldroot') },
      { op: 'chdir', path: '/' },
      { op: 'umount2', target: '/oldroot', flags: MNT_DETACH },
      { op: 'sethostname', name: 'jail' },
      { op: 'mountProc', target: '/proc' },
      { op: 'dropBoundingSet', keep: [] },
      { op: 'noNewPrivs' },
      // a rule on each top-level directory on the root's mount (oldroot); bin, proc and tmp-link are mounts
      { op: 'landlock', scoped: 0, beneath: '/', subdirectoryRules: 8 },
    ];
    // tmpfsInRoot needs its target: made by mkdir first (resolved in the root)
    setup.splice(7, 0, { op: 'mkdir', path: join(root, 'tmp-link') });
    const { exit, lines } = await run(
      {
        namespaces: CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC,
        setup,
        command: '/bin/busybox',
        argv0: 'sh',
        args: [
          '-c',
          'echo pid=$$; grep -E "^(CapBnd|NoNewPrivs|Seccomp|SigIgn|SigBlk):" /proc/self/status | tr -s "\\t " " "; ls /; touch /tmp-link/x || echo ro',
        ],
        env: {},
      },
      'jail.txt',
    );
    expect(exit).toEqual({ code: CLD_EXITED, status: 0 });
    expect(lines.filter((l) => !l.includes('Read-only'))).toEqual([
      'pid=1',
      'SigBlk: 0000000000000000',
      'SigIgn: 0000000000000000', // Node ignores SIGPIPE: the child does not
      'CapBnd: 0000000000000000',
      'NoNewPrivs: 1',
      'Seccomp: 0',
      'bin',
      'oldroot',
      'proc',
      'tmp-link',
      'ro',
    ]);
    expect(existsSync(join(root, 'bin', 'busybox'))).toBe(false);
  });

  it('is born in the cgroup it is given (CLONE_INTO_CGROUP), never in ours', async () => {
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    const line = mountinfo.split('\n').find((l) => l.includes(' - cgroup2 '));
    const cgroup2 = line?.split(' ')[4] as string;
    const name = `sysjail-launch-test-${process.pid}`;
    const path = join(cgroup2, name);
    mkdirSync(path);
    const cg = openSync(path, 'r');
    try {
      const { exit, lines } = await run(
        {
          namespaces: CLONE_NEWPID,
          cgroupFd: cg,
          setup: [],
          command: '/bin/sh',
          args: ['-c', 'grep "^0::" /proc/self/cgroup'],
        },
        'cgroup.txt',
      );
      expect(exit.status).toBe(0);
      expect(lines).toEqual([`0::/${name}`]);
    } finally {
      closeSync(cg);
      rmdirSync(path);
    }
  });

  it('hands back the seccomp listener; the child runs under the filter', async () => {
    const NR_mkdir = 83;
    const { exit, child, lines } = await run(
      {
        namespaces: 0,
        setup: [
          { op: 'noNewPrivs' },
          { op: 'seccomp', filter: notifyOneSyscall(NR_mkdir), flags: SECCOMP_FILTER_FLAG_NEW_LISTENER },
        ],
        command: '/bin/sh',
        args: ['-c', 'grep ^Seccomp: /proc/self/status | tr -s "\\t " " "'],
      },
      'seccomp.txt',
    );
    expect(child.listenerFd).toBeGreaterThan(2);
    expect(readlinkSync(`/proc/self/fd/${child.listenerFd}`)).toBe('anon_inode:seccomp notify');
    expect(exit.status).toBe(0);
    expect(lines).toEqual(['Seccomp: 2']);
    expect(seccompMode()).toBe('0');
    close(child.listenerFd as number);
  });

  it('gives the child only its stdio: an inheritable fd of ours is closed at exec', async () => {
    const [r, w] = pipe2(0); // no O_CLOEXEC
    try {
      const { exit, lines } = await run(
        {
          namespaces: 0,
          setup: [],
          command: '/bin/sh',
          args: ['-c', `ls /proc/self/fd | sort -n | tr '\\n' ' '`],
        },
        'fds.txt',
      );
      expect(exit.status).toBe(0);
      // 0-2, and the one ls opens to read the directory
      expect(lines).toEqual(['0 1 2 3']);
    } finally {
      close(r);
      close(w);
    }
  });

  it('a failed op names its index, system call and errno; nothing is exec`d, the child is reaped', async () => {
    const marker = join(dir, 'marker');
    let err: unknown;
    try {
      launch({
        namespaces: CLONE_NEWNS,
        setup: [
          { op: 'mount', source: null, target: '/', fstype: null, flags: MS_REC | MS_PRIVATE },
          { op: 'chdir', path: '/nonexistent-sysjail-dir' },
        ],
        command: '/bin/touch',
        args: [marker],
        stdio: [0, 1, 2],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SetupOpError);
    expect(err).toMatchObject({
      code: 'SETUP_OP_FAILED',
      op: 'chdir',
      index: 1,
      errnoName: 'ENOENT',
      syscall: 'chdir',
    });
    expect(existsSync(marker)).toBe(false);
    // no zombie child of ours is left
    expect(() => waitid(0 /* P_ALL */, 0, WEXITED | WNOHANG)).toThrow(/ECHILD/);
  });

  it('refuses a TSYNC filter and a missing command with typed errors', () => {
    const allowAll = Buffer.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]);
    expect(() =>
      launch({
        namespaces: 0,
        setup: [{ op: 'seccomp', filter: allowAll, flags: SECCOMP_FILTER_FLAG_TSYNC }],
        command: '/bin/true',
        stdio: [0, 1, 2],
      }),
    ).toThrow(
      expect.objectContaining({ code: 'SETUP_OP_FAILED', op: 'seccomp', index: 0, errnoName: 'EINVAL' }),
    );
    expect(seccompMode()).toBe('0');
    let err: unknown;
    try {
      launch({ namespaces: 0, setup: [], command: '/nonexistent/cmd', stdio: [0, 1, 2] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpawnError);
    expect(err).toMatchObject({ code: 'SPAWN_FAILED', errnoName: 'ENOENT' });
    expect(() =>
      launch({
        namespaces: 0,
        setup: [{ op: 'chdir', path: '/', afterSpawn: true }],
        command: '/bin/true',
        stdio: [],
      }),
    ).toThrow(InvalidArgumentError);
  });

  it('a fork-style child (copyMemory) runs the same program', async () => {
    const { exit, lines } = await run(
      {
        namespaces: CLONE_NEWPID | CLONE_NEWUTS,
        setup: [{ op: 'sethostname', name: 'copied' }],
        command: '/bin/sh',
        args: ['-c', 'echo $$ $(uname -n)'],
        copyMemory: true,
      },
      'fork.txt',
    );
    expect(exit.status).toBe(0);
    expect(lines).toEqual(['1 copied']);
  });

  it('the child is the calling thread`s: its parent-death signal fires when that thread ends', async () => {
    const url = new URL('../../test-fixtures/launch-in-worker.mjs', import.meta.url);
    const worker = new Worker(url);
    const pid = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).not.toMatch(/^State:\s+Z/m);
    await worker.terminate();
    // SIGKILLed as the thread went; reaped by nobody yet (a zombie of this process) or gone
    let state = '';
    for (let i = 0; i < 200; i++) {
      state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
      if (state === 'Z') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(state).toBe('Z');
    expect(waitid(1 /* P_PID */, pid, WEXITED)).toMatchObject({ pid, status: 9 });
  });
});
