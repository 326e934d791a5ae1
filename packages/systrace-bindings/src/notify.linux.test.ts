// A real child, spawned through the launcher with a filter that notifies getppid, answered from here.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Compiled, compileFixture } from '../test-fixtures/compile-c.js';
import { AUDIT_ARCH_X86_64, notifyOneSyscall } from '../test-fixtures/notify-filter.js';
import {
  close,
  memfdCreate,
  NotificationGoneError,
  NotificationListener,
  readCString,
  readMemory,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
  SpawnerPool,
  seccompGetActionAvail,
  seccompGetNotifSizes,
  sysno,
  write,
  writeMemory,
} from './index.js';

let victim: Compiled;
let pool: SpawnerPool;

beforeAll(() => {
  victim = compileFixture('notify-victim');
  pool = new SpawnerPool({ size: 1 });
});

afterAll(async () => {
  await pool.close();
  victim.cleanup();
});

describe('seccomp', () => {
  it('reports the kernel notification sizes and available actions', () => {
    const s = seccompGetNotifSizes();
    expect(s.seccomp_notif).toBeGreaterThanOrEqual(80);
    expect(s.seccomp_notif_resp).toBeGreaterThanOrEqual(24);
    expect(s.seccomp_data).toBe(64);
    expect(seccompGetActionAvail(0x7fc00000)).toBe(true); // SECCOMP_RET_USER_NOTIF
    expect(seccompGetActionAvail(0x7fff0000)).toBe(true); // SECCOMP_RET_ALLOW
    expect(seccompGetActionAvail(0x12340000)).toBe(false);
  });
});

describe('notification listener with a real child', () => {
  it('answers with an error, a value, CONTINUE, ADDFD; reads and writes the caller memory', async () => {
    const outPath = join(victim.dir, 'out.txt');
    const out = openSync(outPath, 'w');
    const child = await pool.spawn({
      setup: [
        { op: 'seccomp', filter: notifyOneSyscall(sysno.getppid), flags: SECCOMP_FILTER_FLAG_NEW_LISTENER },
      ],
      command: victim.path,
      stdio: ['ignore', out, 'inherit'],
    });
    closeSync(out);
    expect(child.listenerFd).toBeGreaterThan(2);
    const l = new NotificationListener(child.listenerFd as number);
    const next = () => {
      expect(l.poll(10_000)).toBe('notification');
      return l.receive();
    };

    // the worker thread carries the filter, the main thread does not
    const status = (p: string) => /Seccomp:\s+(\d)/.exec(readFileSync(p, 'utf8'))?.[1];
    expect(status('/proc/self/status')).toBe('0');
    expect(status(`/proc/self/task/${child.workerTid}/status`)).toBe('2');

    let n = next();
    expect(n.data.nr).toBe(sysno.getppid);
    expect(n.data.arch).toBe(AUDIT_ARCH_X86_64);
    expect(n.pid).toBe(child.pid);
    expect(n.data.arg(0)).toBe(1n);
    l.respondError(n.id, 'EPERM');

    n = next();
    expect(n.data.argInt(0)).toBe(2);
    l.respond(n.id, { val: 12345 });

    n = next();
    expect(n.data.argNumber(0)).toBe(3);
    l.respondContinue(n.id);

    n = next();
    expect(n.data.argInt(0)).toBe(4);
    const memfd = memfdCreate('secret');
    write(memfd, Buffer.from('secret-data'));
    const targetFd = l.addFd(n.id, memfd, { send: true, cloexec: true });
    close(memfd);
    expect(targetFd).toBeGreaterThan(2);

    n = next();
    expect(n.data.argInt(0)).toBe(5);
    const str = n.data.arg(1);
    // the string ends on the last byte of a page whose successor is unmapped
    expect(readCString(n.pid, str, 4096).toString()).toBe('edge-string');
    expect(() => readMemory(n.pid, str, 4096)).toThrow();
    expect([...readMemory(n.pid, n.data.arg(2), 16)]).toEqual([...Array(16).keys()].map((i) => 0xa0 + i));
    writeMemory(n.pid, n.data.arg(2), Buffer.from([7]));
    l.respond(n.id, { val: 77n });

    n = next();
    expect(n.data.argInt(0)).toBe(6);
    const id = n.id;
    expect(l.idValid(id)).toBe(true);
    process.kill(child.pid, 'SIGKILL');
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(l.idValid(id)).toBe(false);
    expect(() => l.respond(id, { val: 1 })).toThrow(NotificationGoneError);
    try {
      l.respond(id, { val: 1 });
    } catch (e) {
      expect((e as NotificationGoneError).code).toBe('NOTIFICATION_GONE');
      expect((e as NotificationGoneError).errnoName).toBe('ENOENT');
    }
    // no filtered task left (child dead, worker thread gone): the listener hangs up
    expect(l.poll(5_000)).toBe('hangup');
    l.close();

    const lines = readFileSync(outPath, 'utf8').trim().split('\n');
    expect(lines).toEqual([
      'error r=-1 errno=1',
      'value r=12345',
      `continue r=${process.pid}`,
      `addfd r=${targetFd} read=11 data=secret-data`,
      'memory r=77 pattern0=7',
      'waiting',
    ]);
  });

  it('pollAsync leaves the event loop running', async () => {
    const child = await pool.spawn({
      setup: [
        { op: 'seccomp', filter: notifyOneSyscall(sysno.getppid), flags: SECCOMP_FILTER_FLAG_NEW_LISTENER },
      ],
      command: '/bin/sleep',
      args: ['5'],
      stdio: 'ignore',
    });
    const l = new NotificationListener(child.listenerFd as number);
    let timerFiredFirst = false;
    let settled = false;
    setTimeout(() => {
      timerFiredFirst = !settled;
    }, 20);
    const r = await l.pollAsync(300);
    settled = true;
    expect(r).toBe('timeout'); // sleep never calls getppid
    expect(timerFiredFirst).toBe(true);
    process.kill(child.pid, 'SIGKILL');
    await child.exited;
    expect(await l.pollAsync(5_000)).toBe('hangup');
    l.close();
  });

  it('an unanswered call fails with ENOSYS once the listener is closed', async () => {
    const outPath = join(victim.dir, 'out2.txt');
    const out = openSync(outPath, 'w');
    const child = await pool.spawn({
      setup: [
        { op: 'seccomp', filter: notifyOneSyscall(sysno.getppid), flags: SECCOMP_FILTER_FLAG_NEW_LISTENER },
      ],
      command: victim.path,
      stdio: ['ignore', out, 'inherit'],
    });
    closeSync(out);
    const l = new NotificationListener(child.listenerFd as number);
    expect(await l.pollAsync(10_000)).toBe('notification');
    l.setFlags(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
    expect(() => l.setFlags(2)).toThrow(expect.objectContaining({ errnoName: 'EINVAL' }));
    expect(l.poll(10_000)).toBe('notification');
    l.close();
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    const lines = readFileSync(outPath, 'utf8').trim().split('\n');
    // errno 38 = ENOSYS for every notified call; ADDFD got -1 so nothing was read
    expect(lines[0]).toBe('error r=-1 errno=38');
    expect(lines[1]).toBe('value r=-1');
    expect(lines.at(-1)).toBe('not reached');
  });
});
