// Thin wrappers against the real kernel (as root, in this process only where harmless).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, unlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AF_INET,
  AT_FDCWD,
  addressOf,
  bind,
  CAP_SYS_ADMIN,
  CStringTooLongError,
  capbsetRead,
  capget,
  capLastCap,
  capList,
  close,
  closeRange,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  FD_CLOEXEC,
  fcntl,
  flock,
  getNoNewPrivs,
  getpid,
  getSeccompMode,
  getsockname,
  getsockoptInt,
  gettid,
  IOPRIO_CLASS_IDLE,
  IOPRIO_CLASS_SHIFT,
  IOPRIO_WHO_PROCESS,
  ioprioGet,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
  listen,
  memfdCreate,
  O_CLOEXEC,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  openat,
  P_PIDFD,
  PAGE_SIZE,
  POLLIN,
  pidfdGetfd,
  pidfdOpen,
  pidfdSendSignal,
  poll,
  prlimit64,
  RLIMIT_NOFILE,
  read,
  readCString,
  readMemory,
  SIGKILL,
  SO_ACCEPTCONN,
  SO_DOMAIN,
  SOCK_CLOEXEC,
  SOCK_STREAM,
  SOL_SOCKET,
  STATX_INO,
  STATX_MNT_ID_UNIQUE,
  SyscallError,
  sendfile,
  socket,
  statx,
  uname,
  WEXITED,
  waitid,
  write,
  writeMemory,
} from './index.js';

describe('wrappers on the real kernel', () => {
  it('process ids, uname, prctl reads', () => {
    expect(getpid()).toBe(process.pid);
    expect(gettid()).toBe(process.pid); // main thread
    expect(uname().sysname).toBe('Linux');
    expect(getSeccompMode()).toBe(0);
    expect(getNoNewPrivs()).toBe(false);
  });

  it('capabilities of root', () => {
    const caps = capget();
    expect(capList(caps.effective)).toContain(CAP_SYS_ADMIN);
    expect(capbsetRead(CAP_SYS_ADMIN)).toBe(true);
    expect(() => capbsetRead(1000)).toThrow(expect.objectContaining({ errnoName: 'EINVAL' }));
    expect(capLastCap()).toBe(Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')));
  });

  it('fds: openat, memfd, fcntl, close_range', () => {
    const fd = openat(AT_FDCWD, '/proc/self/status', O_RDONLY);
    expect(fd).toBeGreaterThan(2);
    close(fd);
    expect(() => close(fd)).toThrow(expect.objectContaining({ errnoName: 'EBADF' }));
    const m = memfdCreate('t');
    expect(fcntl(m, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
    expect(write(m, Buffer.from('abc'))).toBe(3);
    closeRange(m, m);
    expect(() => read(m, Buffer.alloc(1))).toThrow(SyscallError);
  });

  it('flock: two open descriptions of one file conflict, a duplicate shares the lock, close releases it', () => {
    const path = `/tmp/sysjail-flock-${process.pid}`;
    const a = openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600);
    const b = openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC);
    try {
      flock(a, LOCK_EX | LOCK_NB);
      expect(() => flock(b, LOCK_EX | LOCK_NB)).toThrow(expect.objectContaining({ errnoName: 'EAGAIN' }));
      expect(() => flock(b, LOCK_SH | LOCK_NB)).toThrow(expect.objectContaining({ errnoName: 'EAGAIN' }));
      const dup = fcntl(a, F_DUPFD_CLOEXEC, 0);
      flock(dup, LOCK_EX | LOCK_NB); // the same description: already its lock
      close(a);
      expect(() => flock(b, LOCK_EX | LOCK_NB)).toThrow(expect.objectContaining({ errnoName: 'EAGAIN' }));
      close(dup);
      flock(b, LOCK_EX | LOCK_NB);
      flock(b, LOCK_UN);
    } finally {
      close(b);
      unlinkSync(path);
    }
  });

  it('sendfile copies a file into a memfd from the file offset on; 0 at its end; -EBADF for a bad fd', () => {
    const file = openSync(process.execPath, 'r');
    const m = memfdCreate('copy');
    try {
      const size = fstatSync(file).size;
      expect(sendfile(m, file, 1000)).toBe(1000);
      let left = size - 1000;
      while (left > 0) {
        const n = sendfile(m, file, left);
        expect(n).toBeGreaterThan(0);
        left -= n;
      }
      expect(sendfile(m, file, 10)).toBe(0);
      expect(fstatSync(m).size).toBe(size);
      const head = Buffer.alloc(64);
      readSync(m, head, 0, 64, 0);
      expect(head).toEqual(readFileSync(process.execPath).subarray(0, 64));
      expect(sendfile(m, -1, 10)).toBe(-9);
    } finally {
      closeSync(file);
      close(m);
    }
  });

  it('sockets on loopback: bind, listen, getsockname, getsockopt, poll', () => {
    const s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC);
    try {
      bind(s, { family: AF_INET, address: '127.0.0.1', port: 0 });
      listen(s, 4);
      const name = getsockname(s);
      expect(name).toMatchObject({ family: AF_INET, address: '127.0.0.1' });
      expect((name as { port: number }).port).toBeGreaterThan(0);
      expect(getsockoptInt(s, SOL_SOCKET, SO_ACCEPTCONN)).toBe(1);
      expect(getsockoptInt(s, SOL_SOCKET, SO_DOMAIN)).toBe(AF_INET);
      expect(poll([{ fd: s, events: POLLIN }], 0)).toEqual([0]);
    } finally {
      close(s);
    }
  });

  it('prlimit64 reads bigint limits', () => {
    const l = prlimit64(0, RLIMIT_NOFILE);
    expect(typeof l.cur).toBe('bigint');
    expect(l.cur).toBeLessThanOrEqual(l.max);
  });

  it('process memory of self: readMemory, writeMemory, readCString at a page edge', () => {
    const buf = Buffer.from('hello\0world');
    expect(readMemory(process.pid, addressOf(buf), 11).toString()).toBe('hello\0world');
    writeMemory(process.pid, addressOf(buf), Buffer.from('HE'));
    expect(buf.toString('latin1', 0, 5)).toBe('HEllo');
    expect(readCString(process.pid, addressOf(buf)).toString()).toBe('HEllo');
    expect(() => readCString(process.pid, addressOf(buf), 3)).toThrow(CStringTooLongError);
    expect(() => readMemory(process.pid, 8n, 4)).toThrow(expect.objectContaining({ errnoName: 'EFAULT' }));
    expect(PAGE_SIZE).toBe(4096);
  });

  it('pidfd: open, getfd, send_signal, waitid(P_PIDFD)', async () => {
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => child.once('spawn', r));
    const pidfd = pidfdOpen(child.pid as number);
    try {
      const dup = pidfdGetfd(pidfd, 1); // the child's stdout pipe
      expect(fcntl(dup, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
      close(dup);
      const exited = new Promise((r) => child.once('exit', (_code, sig) => r(sig)));
      pidfdSendSignal(pidfd, SIGKILL);
      expect(await exited).toBe('SIGKILL');
      expect(() => waitid(P_PIDFD, pidfd, WEXITED)).toThrow(expect.objectContaining({ errnoName: 'ECHILD' }));
    } finally {
      close(pidfd);
    }
  });

  it('statx: inode, device and the unique mount id', () => {
    const root = statx(AT_FDCWD, '/', 0, STATX_INO | STATX_MNT_ID_UNIQUE);
    const node = statSync('/', { bigint: true });
    expect(root.mask & (STATX_INO | STATX_MNT_ID_UNIQUE)).toBe(STATX_INO | STATX_MNT_ID_UNIQUE);
    expect(root.ino).toBe(node.ino);
    expect(root.devMajor).toBe(Number(node.dev >> 8n) & 0xfff);
    // /proc is another mount: another id; the same path twice: the same id
    expect(statx(AT_FDCWD, '/proc', 0, STATX_MNT_ID_UNIQUE).mntId).not.toBe(root.mntId);
    expect(statx(AT_FDCWD, '/proc/self/root', 0, STATX_MNT_ID_UNIQUE).mntId).toBe(root.mntId);
    expect(() => statx(AT_FDCWD, '/nonexistent-statx', 0, STATX_INO)).toThrow(
      expect.objectContaining({ syscall: 'statx', errnoName: 'ENOENT' }),
    );
  });

  it('ioprio_get: of this thread and of a child started by ionice -c3', async () => {
    const own = ioprioGet(IOPRIO_WHO_PROCESS, 0);
    expect(ioprioGet(IOPRIO_WHO_PROCESS, process.pid)).toBe(own);
    expect(own >> IOPRIO_CLASS_SHIFT).not.toBe(IOPRIO_CLASS_IDLE);
    const child = spawn('ionice', ['-c3', 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const pid = child.pid as number;
      while (readFileSync(`/proc/${pid}/comm`, 'utf8') !== 'sleep\n')
        await new Promise((r) => setTimeout(r, 5));
      expect(ioprioGet(IOPRIO_WHO_PROCESS, pid) >> IOPRIO_CLASS_SHIFT).toBe(IOPRIO_CLASS_IDLE);
      expect(spawnSync('ionice', ['-p', String(pid)], { encoding: 'utf8' }).stdout.trim()).toBe('idle');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
