// The notified listen handler against this process's own sockets (pidfd_getfd on ourselves): it acts
// only while the notification is still valid, checked after the pidfd is opened (pid reuse).
import {
  AF_INET,
  close,
  errnoNumber,
  getsockname,
  getsockoptInt,
  gettid,
  SO_ACCEPTCONN,
  SOCK_STREAM,
  SOL_SOCKET,
  socket,
} from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import { type HandlerContext, handlers, type NotifiedCall } from './handlers.js';

function context(valid: boolean, checks: bigint[]): HandlerContext {
  return {
    jid: 1,
    initPidfd: -1,
    controlFd: -1,
    ipv4: ['127.0.9.5'],
    ipv6: [],
    allowRlimit: false,
    cgroupProcs: '/nonexistent',
    errno: (name) => errnoNumber(name),
    stillValid: (id) => {
      checks.push(id);
      return valid;
    },
    evaluate: () => ({ action: 'allow' }),
    addFdAndReply: () => {},
    inJailUts: () => {},
    shutdown: () => {},
    deferInitMessage: () => {},
  } as HandlerContext;
}

function listenCall(fd: number): NotifiedCall {
  return {
    id: 42n,
    pid: gettid(),
    arch: 0xc000003e,
    archName: 'x86_64',
    nr: 50,
    args: [BigInt(fd), 8n, 0n, 0n, 0n, 0n],
    entry: { syscall: 'listen', handler: 'listen' } as unknown as NotifiedCall['entry'],
  };
}

describe('listen handler', () => {
  it('does nothing once the notification is no longer valid (ESRCH), acts while it is', () => {
    const sock = socket(AF_INET, SOCK_STREAM);
    try {
      const checks: bigint[] = [];
      expect(handlers.listen(listenCall(sock), context(false, checks))).toEqual({
        errno: errnoNumber('ESRCH'),
      });
      expect(checks).toEqual([42n]);
      expect(getsockoptInt(sock, SOL_SOCKET, SO_ACCEPTCONN)).toBe(0);
      expect(getsockname(sock)).toMatchObject({ address: '0.0.0.0', port: 0 });

      expect(handlers.listen(listenCall(sock), context(true, []))).toEqual({ val: 0 });
      expect(getsockoptInt(sock, SOL_SOCKET, SO_ACCEPTCONN)).toBe(1);
      expect(getsockname(sock)).toMatchObject({ address: '127.0.9.5' });
    } finally {
      close(sock);
    }
  });
});
