/**
 * Load the jail's address programs and attach them to its cgroup. Attachments hold until the cgroup
 * directory is removed, whether or not the supervisor lives. The loaded programs of the last few address
 * sets are kept (their fds, close-on-exec, never passed to a jail: the init keeps only its own) and
 * attached again to the next jail of the same addresses. Attached without BPF_F_ALLOW_OVERRIDE/MULTI:
 * no descendant cgroup can add or override a program.
 */
import { closeSync, openSync } from 'node:fs';
import {
  bpfProgAttach,
  bpfProgDetach,
  bpfProgLoad,
  closeProgFd,
  type EbpfInsn,
  ebpf,
} from '@sysjail/systrace-bindings';
import { JailSetupError } from '../errors.js';
import type { AddressPrison } from './address-prison.js';
import { bindProgram4, bindProgram6 } from './bind-program.js';
import { connectProgram4, connectProgram6 } from './connect-program.js';
import { ingressProgram } from './ingress-program.js';
import type { JailCgroup } from './jail-cgroup.js';
import { sendmsgProgram4, sendmsgProgram6 } from './sendmsg-program.js';

export interface AddressProgram {
  /** Program name (shown by bpftool prog). */
  readonly name: string;
  readonly progType: number;
  readonly attachType: number;
  readonly insns: EbpfInsn[];
}

/**
 * Every program a jail gets, generated (pure: no kernel involved). None runs at socket creation: which
 * inet sockets a jail may create (TCP and UDP, unless raw sockets are allowed) is decided by its seccomp
 * filter on socket(2)'s scalar arguments, which runs for that call anyway.
 */
export function addressPrograms(prison: AddressPrison): AddressProgram[] {
  const sockAddr = ebpf.BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
  return [
    {
      name: 'sj_bind4',
      progType: sockAddr,
      attachType: ebpf.BPF_CGROUP_INET4_BIND,
      insns: bindProgram4(prison),
    },
    {
      name: 'sj_bind6',
      progType: sockAddr,
      attachType: ebpf.BPF_CGROUP_INET6_BIND,
      insns: bindProgram6(prison),
    },
    {
      name: 'sj_connect4',
      progType: sockAddr,
      attachType: ebpf.BPF_CGROUP_INET4_CONNECT,
      insns: connectProgram4(prison),
    },
    {
      name: 'sj_connect6',
      progType: sockAddr,
      attachType: ebpf.BPF_CGROUP_INET6_CONNECT,
      insns: connectProgram6(prison),
    },
    {
      name: 'sj_sendmsg4',
      progType: sockAddr,
      attachType: ebpf.BPF_CGROUP_UDP4_SENDMSG,
      insns: sendmsgProgram4(prison),
    },
    {
      name: 'sj_sendmsg6',
      progType: sockAddr,
      attachType: ebpf.BPF_CGROUP_UDP6_SENDMSG,
      insns: sendmsgProgram6(prison),
    },
    {
      name: 'sj_ingress',
      progType: ebpf.BPF_PROG_TYPE_CGROUP_SKB,
      attachType: ebpf.BPF_CGROUP_INET_INGRESS,
      insns: ingressProgram(prison),
    },
  ];
}

/** What confineAddresses attached; detach() takes it all off again (tests; normally rmdir does). */
export interface AddressConfinement {
  readonly cgroupPath: string;
  readonly attachTypes: readonly number[];
  detach(): void;
}

function withCgroupFd<T>(path: string, f: (fd: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return f(fd);
  } finally {
    closeSync(fd);
  }
}

function detachAll(path: string, attachTypes: readonly number[]): void {
  withCgroupFd(path, (fd) => {
    for (const t of attachTypes) bpfProgDetach(fd, t);
  });
}

/** A loaded address program: its fd and how it attaches. */
interface LoadedProgram {
  readonly fd: number;
  readonly attachType: number;
}

/**
 * The loaded programs of the last LOADED_KEPT address sets, by the inputs of addressPrograms (its
 * generators read nothing else), most recent last. A prewarmed start of the same addresses attaches
 * them without generating and loading seven programs again (0.5-0.8 ms).
 */
const loaded = new Map<string, readonly LoadedProgram[]>();
const LOADED_KEPT = 8;

/** The key of an address set in `loaded`. */
const addressKey = (prison: AddressPrison) =>
  JSON.stringify([prison.ipv4, prison.ipv6, prison.rootBindsReservedPorts === true]);

/** The programs kept for `key` (now the most recent), if any. */
function keptPrograms(key: string): readonly LoadedProgram[] | undefined {
  const known = loaded.get(key);
  if (known) {
    loaded.delete(key);
    loaded.set(key, known);
  }
  return known;
}

/** Loads `programs` and keeps them for `key` (the oldest set beyond LOADED_KEPT closed). */
function loadPrograms(key: string, programs: readonly AddressProgram[]): readonly LoadedProgram[] {
  const made: LoadedProgram[] = [];
  try {
    for (const p of programs) {
      const fd = bpfProgLoad({
        progType: p.progType,
        expectedAttachType: p.attachType,
        insns: p.insns,
        name: p.name,
      });
      made.push({ fd, attachType: p.attachType });
    }
  } catch (e) {
    for (const p of made) closeProgFd(p.fd);
    throw e;
  }
  loaded.set(key, made);
  if (loaded.size > LOADED_KEPT) {
    const [oldest, old] = loaded.entries().next().value as [string, readonly LoadedProgram[]];
    loaded.delete(oldest);
    for (const p of old) closeProgFd(p.fd); // the cgroups they are attached to hold their own
  }
  return made;
}

export function confineAddresses(
  cgroup: Pick<JailCgroup, 'path'>,
  prison: AddressPrison,
): AddressConfinement {
  const key = addressKey(prison);
  const kept = keptPrograms(key);
  const programs = kept ? undefined : addressPrograms(prison);
  const attached: number[] = [];
  try {
    const loadedNow = kept ?? loadPrograms(key, programs ?? []);
    withCgroupFd(cgroup.path, (cgFd) => {
      for (const p of loadedNow) {
        bpfProgAttach(cgFd, p.fd, p.attachType);
        attached.push(p.attachType);
      }
    });
  } catch (e) {
    try {
      detachAll(cgroup.path, attached);
    } catch {
      // The cgroup is going away anyway.
    }
    throw new JailSetupError(`cannot confine the addresses of ${cgroup.path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return {
    cgroupPath: cgroup.path,
    attachTypes: attached,
    detach: () => detachAll(cgroup.path, attached),
  };
}
