// The launcher: setup ops on a worker thread, the child inherits them, the main thread does not.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  MNT_DETACH,
  MS_BIND,
  MS_PRIVATE,
  MS_REC,
  SECCOMP_FILTER_FLAG_TSYNC,
  type SetupOp,
  SetupOpError,
  SpawnError,
  SpawnerPool,
} from '../index.js';

let pool: SpawnerPool;
let dir: string;

beforeAll(() => {
  pool = new SpawnerPool({ size: 2 });
  dir = mkdtempSync(join(tmpdir(), 'systrace-launcher-'));
});

afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

function outFile(name: string): { path: string; fd: number } {
  const path = join(dir, name);
  return { path, fd: openSync(path, 'w') };
}

describe('SpawnerPool', () => {
  it('a child in new PID/UTS/mount namespaces is PID 1 with its hostname and its own /proc', async () => {
    const procDir = join(dir, 'proc');
    const out = outFile('ns.txt');
    const setup: SetupOp[] = [
      { op: 'unshare', flags: CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS },
      { op: 'mount', source: null, target: '/', fstype: null, flags: MS_REC | MS_PRIVATE },
      { op: 'sethostname', name: 'jailhost' },
      { op: 'mkdir', path: procDir },
      { op: 'mountProc', target: procDir },
    ];
    const before = hostname();
    const child = await pool.spawn({
      setup,
      command: '/bin/sh',
      // /proc is mounted right after the fork: wait for it
      args: [
        '-c',
        `i=0; while [ ! -e ${procDir}/1/stat ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; echo $$; uname -n; cat ${procDir}/1/comm`,
      ],
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', out.fd, 'inherit'],
    });
    closeSync(out.fd);
    expect(child.listenerFd).toBeUndefined();
    expect((await child.exited).code).toBe(0);
    expect(readFileSync(out.path, 'utf8').trim().split('\n')).toEqual(['1', 'jailhost', 'sh']);
    // the main thread: same hostname, no filter, and the proc mount lived only in the child's namespace
    expect(hostname()).toBe(before);
    expect(/Seccomp:\s+(\d)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]).toBe('0');
    expect(existsSync(join(procDir, '1'))).toBe(false);
  });

  it('a jail: tmpfs root, pivot_root, /proc of its PID namespace, empty bounding set, no_new_privs', async () => {
    const root = join(dir, 'root');
    const out = outFile('jail.txt');
    const setup: SetupOp[] = [
      { op: 'unshare', flags: CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS },
      { op: 'mount', source: null, target: '/', fstype: null, flags: MS_REC | MS_PRIVATE },
      { op: 'mkdir', path: root },
      { op: 'mount', source: 'tmpfs', target: root, fstype: 'tmpfs', flags: 0, data: 'size=1m,mode=755' },
      { op: 'mkdir', path: join(root, 'bin') },
      { op: 'mkdir', path: join(root, 'proc') },
      { op: 'mkdir', path: join(root, 'oldroot') },
      { op: 'mount', source: '/usr/bin', target: join(root, 'bin'), fstype: null, flags: MS_BIND | MS_REC },
      { op: 'pivotRoot', newRoot: root, putOld: join(root, 'oldroot') },
      { op: 'chdir', path: '/' },
      { op: 'umount2', target: '/oldroot', flags: MNT_DETACH },
      { op: 'sethostname', name: 'jail' },
      { op: 'mountProc', target: '/proc' },
      { op: 'dropBoundingSet', keep: [] },
      { op: 'noNewPrivs' },
    ];
    const script = [
      'i=0; while [ ! -e /proc/1/stat ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done',
      'echo pid=$$',
      'grep -E "^(CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\\t " " "',
      'ls /',
    ].join('; ');
    const child = await pool.spawn({
      setup,
      command: '/bin/busybox',
      args: ['sh', '-c', script],
      env: {},
      stdio: ['ignore', out.fd, 'inherit'], // 'ignore' works although the new root has no /dev/null
    });
    closeSync(out.fd);
    expect((await child.exited).code).toBe(0);
    expect(readFileSync(out.path, 'utf8').trim().split('\n')).toEqual([
      'pid=1',
      'CapBnd: 0000000000000000',
      'NoNewPrivs: 1',
      'Seccomp: 0',
      'bin',
      'oldroot',
      'proc',
    ]);
    expect(existsSync(join(root, 'bin', 'busybox'))).toBe(false); // the tmpfs lived in the jail's namespace
  });

  it('serves many children, one worker each', async () => {
    const children = await Promise.all(
      [0, 1, 2].map(() =>
        pool.spawn({
          setup: [{ op: 'unshare', flags: CLONE_NEWPID }],
          command: '/bin/true',
          stdio: 'ignore',
        }),
      ),
    );
    expect(new Set(children.map((c) => c.workerTid)).size).toBe(3);
    for (const c of children) expect((await c.exited).code).toBe(0);
  });

  it('a failed op rejects with a typed error naming it; nothing is spawned', async () => {
    const marker = join(dir, 'marker');
    const err = await pool
      .spawn({
        setup: [
          { op: 'unshare', flags: CLONE_NEWNS },
          { op: 'chdir', path: '/nonexistent-sysjail-dir' },
        ],
        command: '/bin/touch',
        args: [marker],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SetupOpError);
    expect(err).toMatchObject({
      code: 'SETUP_OP_FAILED',
      op: 'chdir',
      index: 1,
      errnoName: 'ENOENT',
      syscall: 'chdir',
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a TSYNC filter, which would filter the main thread too', async () => {
    const allowAll = Buffer.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]); // ret SECCOMP_RET_ALLOW
    const err = await pool
      .spawn({
        setup: [{ op: 'seccomp', filter: allowAll, flags: SECCOMP_FILTER_FLAG_TSYNC }],
        command: '/bin/true',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SETUP_OP_FAILED', op: 'seccomp', index: 0 });
    expect(/Seccomp:\s+(\d)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]).toBe('0');
  });

  it("refuses Landlock subdirectory rules (the native launcher's); nothing is confined", async () => {
    const err = await pool
      .spawn({
        setup: [{ op: 'noNewPrivs' }, { op: 'landlock', scoped: 0, beneath: '/', subdirectoryRules: 8 }],
        command: '/bin/true',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SETUP_OP_FAILED', op: 'landlock', index: 1 });
  });

  it('a missing command rejects with SpawnError', async () => {
    const err = await pool
      .spawn({ setup: [], command: '/nonexistent/cmd', stdio: 'ignore' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect(err).toMatchObject({ code: 'SPAWN_FAILED', errnoName: 'ENOENT' });
  });
});
