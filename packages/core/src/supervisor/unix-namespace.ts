// A jail's own namespace of abstract UNIX socket names. Abstract names belong to the network namespace
// of the socket (fixed when it is created), not of the process that binds or connects. The jail shares
// the host's network stack, so its UNIX sockets are made by the supervisor thread inside an empty network
// namespace of the jail's own, held by a descriptor: every abstract bind, connect and autobind of them
// stays there. Pathname sockets are found through the file system, whatever the namespace. Every UNIX
// socket of the jail is made here (socket and socketpair are notified calls), so the namespace is made
// with the first one.

import {
  AF_UNIX,
  CLONE_NEWNET,
  close,
  O_CLOEXEC,
  O_RDONLY,
  open,
  SOCK_CLOEXEC,
  setns,
  socket,
  socketpair,
  unshare,
} from '@sysjail/systrace-bindings';

let hostNet: number | undefined;

/** The network namespace this thread started in (the host's, as the tools were run). */
function hostNetwork(): number {
  hostNet ??= open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
  return hostNet;
}

/**
 * One jail's namespace, made when the jail first needs a socket (most jails never do: an
 * `unshare(CLONE_NEWNET)` costs about half a millisecond, and the kernel's cleanup of each namespace more).
 * The supervisor threads of a jail share it through a slot of the jail's claim (an Int32Array both see:
 * 0 none yet, else fd + 1): the thread that needs it first makes it (on its own thread, which must have
 * CAP_SYS_ADMIN and is back in the host's namespace when this returns) and publishes it; a thread that
 * finds one published uses that one. Only the owner (the first thread's instance) closes it, with the jail;
 * the kernel frees it with the last socket.
 */
export class UnixNamespace {
  private fd: number | undefined;
  private closed = false;

  /**
   * `slot` of `claim` holds the namespace's fd + 1 once made; `owner`: this instance closes it (whoever
   * made it).
   */
  constructor(
    private readonly claim: Int32Array,
    private readonly slot: number,
    private readonly owner: boolean,
  ) {}

  /** The namespace's fd: the one published, else a new one, published now. */
  private descriptor(): number {
    if (this.closed) throw new Error('the jail has ended');
    if (this.fd !== undefined) return this.fd;
    const published = Atomics.load(this.claim, this.slot);
    if (published !== 0) {
      this.fd = published - 1;
      return this.fd;
    }
    const made = makeNamespace();
    const before = Atomics.compareExchange(this.claim, this.slot, 0, made + 1);
    if (before === 0) {
      this.fd = made;
    } else {
      close(made); // another thread made one first: the jail's is that one
      this.fd = before - 1;
    }
    return this.fd;
  }

  /** Runs fn with this thread in the jail's namespace (sockets made there are the jail's). */
  private inside<T>(fn: () => T): T {
    const ns = this.descriptor();
    // The host's first: on a thread that has not asked yet, asking inside would name the jail's.
    const host = hostNetwork();
    setns(ns, CLONE_NEWNET);
    try {
      return fn();
    } finally {
      setns(host, CLONE_NEWNET);
    }
  }

  /** socket(AF_UNIX) in the jail's namespace: ours, close-on-exec (host type and protocol). */
  socket(type: number, protocol: number): number {
    return this.inside(() => socket(AF_UNIX, type | SOCK_CLOEXEC, protocol));
  }

  /** socketpair(AF_UNIX) in the jail's namespace: ours, close-on-exec. */
  socketpair(type: number, protocol: number): [number, number] {
    return this.inside(() => socketpair(AF_UNIX, type | SOCK_CLOEXEC, protocol));
  }

  /** The jail has ended: no more sockets; the owner closes the namespace, if one was made. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.owner) return;
    const published = Atomics.exchange(this.claim, this.slot, 0);
    if (published !== 0) close(published - 1);
  }
}

/** An empty network namespace: unshare(CLONE_NEWNET) on this thread, kept by fd, then back. */
function makeNamespace(): number {
  const host = hostNetwork();
  unshare(CLONE_NEWNET);
  try {
    return open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
  } finally {
    setns(host, CLONE_NEWNET);
  }
}
