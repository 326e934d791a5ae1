// The context's listen helper against this process's own sockets (pidfd_getfd on ourselves): it acts
// only while the notification is still valid, checked after the pidfd is opened (pid reuse).
import {
  AF_INET,
  close,
  getsockname,
  getsockoptInt,
  gettid,
  SO_ACCEPTCONN,
  SOCK_STREAM,
  SOL_SOCKET,
  socket,
} from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import { defaultPrisonFlags } from '../prison.js';
import { callContext, type ServedJail } from './call-context.js';
import type { NotifiedCall } from './handler-context.js';

function jail(valid: boolean, checks: bigint[]): ServedJail {
  return {
    spec: { jid: 1, cgroupProcs: '/nonexistent' },
    listener: {
      idValid: (id: bigint) => {
        checks.push(id);
        return valid;
      },
    },
    prison: { path: '/', hostname: 'j', ipv4: ['127.0.9.5'], ipv6: [], flags: defaultPrisonFlags },
  } as unknown as ServedJail;
}

const call: NotifiedCall = {
  id: 42n,
  pid: gettid(),
  auditArch: 0,
  abi: 'test',
  bits: 64,
  nr: 0,
  syscall: 'listen',
  args: [],
};

describe('the listen helper', () => {
  it('does nothing once the notification is no longer valid (ESRCH), acts while it is', () => {
    const sock = socket(AF_INET, SOCK_STREAM);
    try {
      const checks: bigint[] = [];
      expect(callContext(jail(false, checks), call).listen(sock, 8)).toEqual({ errno: 'ESRCH' });
      expect(checks).toEqual([42n]);
      expect(getsockoptInt(sock, SOL_SOCKET, SO_ACCEPTCONN)).toBe(0);
      expect(getsockname(sock)).toMatchObject({ address: '0.0.0.0', port: 0 });

      expect(callContext(jail(true, []), call).listen(sock, 8)).toEqual({ val: 0 });
      expect(getsockoptInt(sock, SOL_SOCKET, SO_ACCEPTCONN)).toBe(1);
      expect(getsockname(sock)).toMatchObject({ address: '127.0.9.5' });
    } finally {
      close(sock);
    }
  });
});
