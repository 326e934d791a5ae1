/**
 * A jail's UNIX-socket namespace (root): made only when the jail first needs a socket, shared by the
 * supervisor threads through the jail's claim (whichever makes it), closed by its owner alone. The two
 * threads are two instances over one claim here.
 */

import { readlinkSync } from 'node:fs';
import { AF_UNIX, bind, close, SOCK_STREAM, SyscallError, socket } from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import { UnixNamespace } from './unix-namespace.js';

const SLOT = 3;

/** A sockaddr_un with an abstract name (a NUL first, no NUL after). */
function abstract(name: string): Uint8Array {
  const n = Buffer.from(name);
  const b = Buffer.alloc(3 + n.length);
  b.writeUInt16LE(AF_UNIX, 0);
  n.copy(b, 3);
  return b;
}

/** bind's result: 'ok' or the errno's name. */
function tryBind(fd: number, name: string): string {
  try {
    bind(fd, abstract(name));
    return 'ok';
  } catch (e) {
    if (e instanceof SyscallError) return e.errnoName;
    throw e;
  }
}

describe('a jail’s UNIX-socket namespace', () => {
  it('is made with the first socket, by either thread, and both threads use that one', () => {
    const claim = new Int32Array(new SharedArrayBuffer(16));
    const first = new UnixNamespace(claim, SLOT, true);
    const second = new UnixNamespace(claim, SLOT, false);
    expect(Atomics.load(claim, SLOT)).toBe(0); // nothing made until a socket is asked for
    const name = `sysjail-ns-test-${process.pid}`;
    const a = second.socket(SOCK_STREAM, 0); // the second thread needs it first
    const b = first.socket(SOCK_STREAM, 0);
    const host = socket(AF_UNIX, SOCK_STREAM, 0);
    try {
      expect(Atomics.load(claim, SLOT)).not.toBe(0);
      expect(tryBind(a, name)).toBe('ok');
      // the same namespace for the first thread's socket: the name is taken there
      expect(tryBind(b, name)).toBe('EADDRINUSE');
      // and not the host's: the host binds it freely
      expect(tryBind(host, name)).toBe('ok');
    } finally {
      close(a);
      close(b);
      close(host);
    }
    second.close(); // not the owner: the namespace stays
    expect(Atomics.load(claim, SLOT)).not.toBe(0);
    first.close();
    expect(Atomics.load(claim, SLOT)).toBe(0);
    expect(() => first.socket(SOCK_STREAM, 0)).toThrow(/ended/);
  });

  it('leaves the thread in the network namespace it was in after every socket (the first one too)', () => {
    const claim = new Int32Array(new SharedArrayBuffer(16));
    const ns = new UnixNamespace(claim, SLOT, true);
    const net = () => readlinkSync('/proc/thread-self/ns/net');
    const before = net();
    const fds: number[] = [];
    try {
      fds.push(ns.socket(SOCK_STREAM, 0)); // makes the namespace
      expect(net()).toBe(before);
      fds.push(...ns.socketpair(SOCK_STREAM, 0));
      expect(net()).toBe(before);
      fds.push(ns.socket(SOCK_STREAM, 0));
      expect(net()).toBe(before);
      // the jail's namespace is another one than the thread's
      expect(readlinkSync(`/proc/self/fd/${Atomics.load(claim, SLOT) - 1}`)).not.toBe(before);
    } finally {
      for (const fd of fds) close(fd);
      ns.close();
    }
  });

  it('a jail that never makes a socket never gets one', () => {
    const claim = new Int32Array(new SharedArrayBuffer(16));
    const ns = new UnixNamespace(claim, SLOT, true);
    ns.close();
    expect(Atomics.load(claim, SLOT)).toBe(0);
  });
});
