// A jail's own namespace of abstract UNIX socket names. Abstract names belong to the network namespace
// of the socket (fixed when it is created), not of the process that binds or connects. The jail shares
// the host's network stack, so its UNIX sockets are made by the supervisor thread inside an empty network
// namespace of the jail's own, held by a descriptor: every abstract bind, connect and autobind of them
// stays there. Pathname sockets are found through the file system, whatever the namespace.

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
 * One jail's namespace: made on the calling thread (which must have CAP_SYS_ADMIN and be back in the
 * host's namespace when this returns), closed with the jail; the kernel frees it with the last socket.
 */
export class UnixNamespace {
  private constructor(
    private fd: number | undefined,
    /** Closed by close(); false for another thread's (see of). */
    private readonly owned = true,
  ) {}

  /** The namespace another thread of this process made, by its fd (left open by close()). */
  static of(fd: number): UnixNamespace {
    return new UnixNamespace(fd, false);
  }

  /** Its fd, for another thread of this process (see of). */
  get descriptor(): number {
    if (this.fd === undefined) throw new Error('the jail has ended');
    return this.fd;
  }

  /** An empty network namespace: unshare(CLONE_NEWNET) on this thread, kept by fd, then back. */
  static create(): UnixNamespace {
    const host = hostNetwork();
    unshare(CLONE_NEWNET);
    let fd: number | undefined;
    try {
      fd = open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
    } finally {
      setns(host, CLONE_NEWNET);
    }
    return new UnixNamespace(fd);
  }

  /** Runs fn with this thread in the jail's namespace (sockets made there are the jail's). */
  private inside<T>(fn: () => T): T {
    if (this.fd === undefined) throw new Error('the jail has ended');
    // The host's first: on a thread that has not asked yet, asking inside would name the jail's.
    const host = hostNetwork();
    setns(this.fd, CLONE_NEWNET);
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

  close(): void {
    if (this.fd === undefined) return;
    if (this.owned) close(this.fd);
    this.fd = undefined;
  }
}
