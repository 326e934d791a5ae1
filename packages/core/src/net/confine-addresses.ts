/**
 * Load the jail's address programs and attach them to its cgroup. Attachments hold until the cgroup
 * directory is removed, whether or not the supervisor lives; program fds are closed at once so none can
 * be inherited by the jail. Attached without BPF_F_ALLOW_OVERRIDE/MULTI: no descendant cgroup can add or
 * override a program.
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

export function confineAddresses(
  cgroup: Pick<JailCgroup, 'path'>,
  prison: AddressPrison,
): AddressConfinement {
  const programs = addressPrograms(prison);
  const attached: number[] = [];
  try {
    withCgroupFd(cgroup.path, (cgFd) => {
      for (const p of programs) {
        const progFd = bpfProgLoad({
          progType: p.progType,
          expectedAttachType: p.attachType,
          insns: p.insns,
          name: p.name,
        });
        try {
          bpfProgAttach(cgFd, progFd, p.attachType);
          attached.push(p.attachType);
        } finally {
          closeProgFd(progFd);
        }
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
