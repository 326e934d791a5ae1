// Seccomp user notification: a listener fd's RECV/SEND/ID_VALID/ADDFD ioctls.
// Hot path (receive + respond) reuses one buffer each and reads fields in place.

import type { KoffiFunc } from 'koffi';
import { errnoNumber } from './errno.js';
import { InvalidArgumentError, NotificationGoneError, SyscallError } from './errors.js';
import { close } from './file-descriptors.js';
import { lastErrno, libcFunction } from './libc.js';
import { POLLHUP, POLLIN, pollRaw } from './poll.js';
import { seccompGetNotifSizes } from './seccomp.js';
import { syscall3 } from './syscall.js';
import { sysno } from './sysno.js';

// _IOWR('!', 0, struct seccomp_notif) and friends (the command encodes the UAPI struct size).
export const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100;
export const SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;
export const SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102;
export const SECCOMP_IOCTL_NOTIF_ADDFD = 0x40182103;
export const SECCOMP_IOCTL_NOTIF_SET_FLAGS = 0x40082104;

export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
export const SECCOMP_ADDFD_FLAG_SETFD = 1;
export const SECCOMP_ADDFD_FLAG_SEND = 2;
export const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;

const O_CLOEXEC = 0o2000000;
const ENOENT = 2;
const EINTR = 4;

// ioctl(fd, cmd, buf) with an int fd and a pointer: cheaper than the generic 3-pointer prototype.
const ioctlPtr = libcFunction<(nr: number, fd: number, cmd: number, arg: Uint8Array) => number>(
  'long syscall(long nr, int fd, unsigned long cmd, void *arg)',
);

const pollBlocking = libcFunction<KoffiFunc<(fds: Buffer, n: number, timeout: number) => number>>(
  'int poll(void *fds, unsigned long n, int timeout)',
);

/** struct seccomp_data of the current notification, read in place (valid until the next receive). */
export class SeccompData {
  /** @internal */
  constructor(private readonly buf: Buffer) {}

  get nr(): number {
    return this.buf.readInt32LE(16);
  }

  /** AUDIT_ARCH_* of the call (0xc000003e x86_64, 0x40000003 i386). */
  get arch(): number {
    return this.buf.readUInt32LE(20);
  }

  get instruction_pointer(): bigint {
    return this.buf.readBigUInt64LE(24);
  }

  /** Argument `i` (0..5) as a 64-bit value. */
  arg(i: number): bigint {
    return this.buf.readBigUInt64LE(32 + 8 * i);
  }

  /** Low 32 bits of argument `i` as a signed int (how the kernel reads an `int` argument). */
  argInt(i: number): number {
    return this.buf.readInt32LE(32 + 8 * i);
  }

  /** Argument `i` as a Number (exact up to 2^53; pointers on x86_64 fit). */
  argNumber(i: number): number {
    return this.buf.readUInt32LE(32 + 8 * i) + this.buf.readUInt32LE(36 + 8 * i) * 4294967296;
  }

  get args(): bigint[] {
    return [0, 1, 2, 3, 4, 5].map((i) => this.arg(i));
  }
}

/** struct seccomp_notif, read in place: valid until the next receive() on the same listener. */
export class SeccompNotif {
  readonly data: SeccompData;

  /** @internal */
  constructor(private readonly buf: Buffer) {
    this.data = new SeccompData(buf);
  }

  get id(): bigint {
    return this.buf.readBigUInt64LE(0);
  }

  /** The calling thread's id, in the listener owner's PID namespace. */
  get pid(): number {
    return this.buf.readUInt32LE(8);
  }

  get flags(): number {
    return this.buf.readUInt32LE(12);
  }

  /** A detached copy (for keeping past the next receive). */
  snapshot(): {
    id: bigint;
    pid: number;
    flags: number;
    data: { nr: number; arch: number; instruction_pointer: bigint; args: bigint[] };
  } {
    const d = this.data;
    return {
      id: this.id,
      pid: this.pid,
      flags: this.flags,
      data: { nr: d.nr, arch: d.arch, instruction_pointer: d.instruction_pointer, args: d.args },
    };
  }
}

export type NotifResponse = {
  /** The system call's return value (default 0). */
  val?: number | bigint;
  /** An errno (number or name like 'EPERM') to fail the call with. */
  error?: number | string;
};

export interface AddFdOptions {
  /** With setFd: the fd number to use in the target (SECCOMP_ADDFD_FLAG_SETFD). */
  newFd?: number;
  setFd?: boolean;
  /** Atomically add the fd and answer the call with its number (SECCOMP_ADDFD_FLAG_SEND). */
  send?: boolean;
  /** O_CLOEXEC on the new fd in the target. */
  cloexec?: boolean;
}

export type PollResult = 'notification' | 'hangup' | 'timeout';

/** A seccomp user-notification listener fd (from SECCOMP_FILTER_FLAG_NEW_LISTENER). */
export class NotificationListener {
  readonly fd: number;
  private readonly recvBuf: Buffer;
  private readonly respBuf: Buffer;
  private readonly respView: DataView;
  private readonly idBuf = Buffer.alloc(8);
  private readonly addfdBuf = Buffer.alloc(24);
  private readonly pollBuf = Buffer.alloc(8);
  private readonly notif: SeccompNotif;
  private closed = false;

  constructor(fd: number) {
    this.fd = fd;
    const sizes = seccompGetNotifSizes();
    // the kernel's sizes, never smaller than the UAPI structs we read
    this.recvBuf = Buffer.alloc(Math.max(sizes.seccomp_notif, 80));
    this.respBuf = Buffer.alloc(Math.max(sizes.seccomp_notif_resp, 24));
    this.respView = new DataView(this.respBuf.buffer, this.respBuf.byteOffset, this.respBuf.byteLength);
    this.notif = new SeccompNotif(this.recvBuf);
    this.pollBuf.writeInt32LE(fd, 0);
    this.pollBuf.writeInt16LE(POLLIN, 4);
  }

  private ioctl(cmd: number, arg: Uint8Array, name: string): number {
    for (;;) {
      const r = ioctlPtr()(sysno.ioctl, this.fd, cmd, arg);
      if (r !== -1) return r;
      const errno = lastErrno();
      if (errno === EINTR) continue;
      if (errno === ENOENT) throw new NotificationGoneError(name, errno);
      throw new SyscallError(name, errno);
    }
  }

  /**
   * Blocks in SECCOMP_IOCTL_NOTIF_RECV until a notification arrives. The returned object is reused:
   * read it (or snapshot()) before the next receive. Does not wake when all filtered tasks die: use
   * poll() first when that matters. Throws NotificationGoneError (ENOENT) if the task went away.
   */
  receive(): SeccompNotif {
    this.recvBuf.fill(0); // the kernel rejects a non-zeroed buffer (EINVAL)
    this.ioctl(SECCOMP_IOCTL_NOTIF_RECV, this.recvBuf, 'ioctl(SECCOMP_IOCTL_NOTIF_RECV)');
    return this.notif;
  }

  /** Waits up to timeoutMs (< 0: forever) for a notification, or for every filtered task to be gone. */
  poll(timeoutMs: number): PollResult {
    this.pollBuf.writeInt16LE(0, 6);
    const n = pollRaw(this.pollBuf, 1, timeoutMs);
    if (n === 0) return 'timeout';
    const revents = this.pollBuf.readUInt16LE(6);
    if (revents & POLLIN) return 'notification';
    if (revents & POLLHUP) return 'hangup';
    throw new SyscallError('poll', 9); // POLLNVAL/POLLERR: not a listener any more
  }

  /**
   * poll() on libuv's thread pool (koffi async call), so the event loop keeps running; then classifies
   * with a non-blocking poll. A wait occupies one pool thread (4 by default): use bounded timeouts.
   */
  pollAsync(timeoutMs: number): Promise<PollResult> {
    const fds = Buffer.alloc(8);
    fds.writeInt32LE(this.fd, 0);
    fds.writeInt16LE(POLLIN, 4);
    return new Promise((resolve, reject) => {
      pollBlocking().async(fds, 1, timeoutMs, (err: unknown, r: number) => {
        if (err) reject(err);
        else if (this.closed) reject(new SyscallError('poll', 9));
        else if (r <= 0)
          resolve('timeout'); // timeout, or EINTR on the pool thread: poll again
        else {
          try {
            resolve(this.poll(0));
          } catch (e) {
            reject(e);
          }
        }
      });
    });
  }

  /** SECCOMP_IOCTL_NOTIF_SEND: the call returns `val`, or fails with `error`. */
  respond(id: bigint, response: NotifResponse = {}): void {
    this.send(id, response.val ?? 0, response.error ?? 0, 0);
  }

  /** Answers with -1/errno (e.g. 'EPERM'). */
  respondError(id: bigint, error: number | string): void {
    this.send(id, 0, error, 0);
  }

  /** SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel runs the call as is (never for a security decision). */
  respondContinue(id: bigint): void {
    this.send(id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
  }

  private send(id: bigint, val: number | bigint, error: number | string, flags: number): void {
    const v = this.respView;
    v.setBigUint64(0, id, true);
    if (typeof val === 'bigint') v.setBigInt64(8, val, true);
    else {
      v.setUint32(8, val >>> 0, true);
      v.setInt32(12, Math.floor(val / 4294967296), true);
    }
    const errno = typeof error === 'string' ? errnoNumber(error) : error;
    v.setInt32(16, errno === 0 ? 0 : -Math.abs(errno), true);
    v.setUint32(20, flags, true);
    this.ioctl(SECCOMP_IOCTL_NOTIF_SEND, this.respBuf, 'ioctl(SECCOMP_IOCTL_NOTIF_SEND)');
  }

  /** SECCOMP_IOCTL_NOTIF_ID_VALID: is the task still blocked in that call? */
  idValid(id: bigint): boolean {
    this.idBuf.writeBigUInt64LE(id, 0);
    const r = ioctlPtr()(sysno.ioctl, this.fd, SECCOMP_IOCTL_NOTIF_ID_VALID, this.idBuf);
    if (r === 0) return true;
    const errno = lastErrno();
    if (errno === ENOENT) return false;
    throw new SyscallError('ioctl(SECCOMP_IOCTL_NOTIF_ID_VALID)', errno);
  }

  /**
   * SECCOMP_IOCTL_NOTIF_ADDFD: installs a copy of our `srcFd` in the target; returns its number there.
   * With `send`, this also answers the call with that number.
   */
  addFd(id: bigint, srcFd: number, options: AddFdOptions = {}): number {
    const setFd = options.setFd ?? options.newFd !== undefined;
    if (setFd && options.newFd === undefined) throw new InvalidArgumentError('addFd: setFd needs newFd');
    const b = this.addfdBuf;
    b.writeBigUInt64LE(id, 0);
    b.writeUInt32LE((setFd ? SECCOMP_ADDFD_FLAG_SETFD : 0) | (options.send ? SECCOMP_ADDFD_FLAG_SEND : 0), 8);
    b.writeUInt32LE(srcFd, 12);
    b.writeUInt32LE(setFd ? (options.newFd as number) : 0, 16);
    b.writeUInt32LE(options.cloexec ? O_CLOEXEC : 0, 20);
    return this.ioctl(SECCOMP_IOCTL_NOTIF_ADDFD, b, 'ioctl(SECCOMP_IOCTL_NOTIF_ADDFD)');
  }

  /**
   * SECCOMP_IOCTL_NOTIF_SET_FLAGS (Linux 6.6+): SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP wakes the supervisor
   * on the caller's CPU. The flags are the ioctl argument itself, not a pointer.
   */
  setFlags(flags: number): void {
    syscall3(sysno.ioctl, this.fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the listener: pending and future notified calls fail with ENOSYS. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    close(this.fd);
  }
}
