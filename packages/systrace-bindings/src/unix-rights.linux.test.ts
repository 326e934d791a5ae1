import { readFileSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SyscallError } from './errors.js';
import { close, F_GETFD, FD_CLOEXEC, fcntl, read, write } from './file-descriptors.js';
import { pipe2, socketpair } from './pipe.js';
import { AF_UNIX } from './sockaddr.js';
import { SOCK_CLOEXEC, SOCK_SEQPACKET, SOCK_STREAM } from './socket.js';
import {
  MSG_CTRUNC,
  MSG_DONTWAIT,
  peerCredentials,
  peerPidfd,
  receiveWithFds,
  sendWithFds,
} from './unix-rights.js';

const opened: number[] = [];
const track = (...fds: number[]) => {
  opened.push(...fds);
  return fds;
};
afterEach(() => {
  for (const fd of opened.splice(0)) {
    try {
      close(fd);
    } catch {}
  }
});

describe('SCM_RIGHTS', () => {
  it('passes descriptors that refer to the same open files', () => {
    const [a, b] = track(...socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC));
    const [r, w] = track(...pipe2());
    const [r2, w2] = track(...pipe2());
    expect(sendWithFds(a, Buffer.from('hello'), [r, w, w2])).toBe(5);
    const into = Buffer.alloc(64);
    const got = receiveWithFds(b, into);
    track(...got.fds);
    expect(got.bytes).toBe(5);
    expect(into.subarray(0, 5).toString()).toBe('hello');
    expect(got.fds).toHaveLength(3);
    expect(got.flags & MSG_CTRUNC).toBe(0);
    for (const fd of got.fds) expect([r, w, w2]).not.toContain(fd);
    // A write through the received write end comes out of the original read end, and vice versa.
    write(got.fds[1], Buffer.from('via received'));
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, read(r, buf)).toString()).toBe('via received');
    write(w, Buffer.from('via original'));
    expect(buf.subarray(0, read(got.fds[0], buf)).toString()).toBe('via original');
    write(got.fds[2], Buffer.from('third'));
    expect(buf.subarray(0, read(r2, buf)).toString()).toBe('third');
    // MSG_CMSG_CLOEXEC by default, not when asked.
    expect(fcntl(got.fds[0], F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
    sendWithFds(a, Buffer.from('x'), [r]);
    const plain = receiveWithFds(b, into, { cloexec: false });
    track(...plain.fds);
    expect(fcntl(plain.fds[0], F_GETFD) & FD_CLOEXEC).toBe(0);
  });

  it('sends and receives plain data, with no descriptors', () => {
    const [a, b] = track(...socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC));
    sendWithFds(a, Buffer.from('no fds'));
    const into = Buffer.alloc(16);
    const got = receiveWithFds(b, into);
    expect(got).toEqual({ bytes: 6, fds: [], flags: 0 });
    close(a);
    opened.splice(opened.indexOf(a), 1);
    expect(receiveWithFds(b, into).bytes).toBe(0); // end of file
  });

  it('reports descriptors beyond maxFds as MSG_CTRUNC (the kernel closes them)', () => {
    const [a, b] = track(...socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC));
    const [r, w] = track(...pipe2());
    sendWithFds(a, Buffer.from('m'), [r, w, r, w, r]);
    const got = receiveWithFds(b, Buffer.alloc(8), { maxFds: 2 });
    track(...got.fds);
    expect(got.fds).toHaveLength(2);
    expect(got.flags & MSG_CTRUNC).toBe(MSG_CTRUNC);
  });

  it('throws SyscallError (EAGAIN) on an empty non-blocking receive, EBADF for a bad descriptor', () => {
    const [, b] = track(...socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC));
    let error: unknown;
    try {
      receiveWithFds(b, Buffer.alloc(8), { flags: MSG_DONTWAIT });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SyscallError);
    expect((error as SyscallError).errnoName).toBe('EAGAIN');
    const [a] = track(...socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC));
    const [r] = track(...pipe2());
    expect(() => sendWithFds(a, Buffer.from('x'), [9999])).toThrow(/EBADF/);
    expect(() => sendWithFds(r, Buffer.from('x'))).toThrow(/ENOTSOCK/);
  });
});

describe('peer credentials', () => {
  it('SO_PEERCRED of a socketpair is this process', () => {
    const [a] = track(...socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC));
    expect(peerCredentials(a)).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
  });

  it('SO_PEERPIDFD is a pidfd of the peer', () => {
    const [a] = track(...socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC));
    const pidfd = peerPidfd(a);
    track(pidfd);
    expect(readlinkSync(`/proc/self/fd/${pidfd}`)).toBe('anon_inode:[pidfd]');
    const fdinfo = readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8');
    expect(fdinfo).toMatch(new RegExp(`^Pid:\\s+${process.pid}$`, 'm'));
  });
});
