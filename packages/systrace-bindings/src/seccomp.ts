// seccomp(2): loading a filter, the notification struct sizes, action availability.
// SECCOMP_RET_* action values live with the BPF assembler (./bpf/constants.ts).
import { SyscallError } from './errors.js';
import { addressOf } from './libc.js';
import { syscall3, syscallNoThrow } from './syscall.js';
import { sysno } from './sysno.js';

export const SECCOMP_SET_MODE_STRICT = 0;
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_GET_ACTION_AVAIL = 2;
export const SECCOMP_GET_NOTIF_SIZES = 3;

export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_LOG = 1 << 1;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;

/** Bytes of one struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}. */
export const SOCK_FILTER_SIZE = 8;

/**
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog) on the calling thread (all threads with TSYNC).
 * `filter` is an encoded struct sock_filter[]. Returns the listener fd (close-on-exec) when flags has
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0. Needs no_new_privs or CAP_SYS_ADMIN.
 */
const keepAlive = new Set<Uint8Array>();

export function seccompSetModeFilter(filter: Uint8Array, flags = 0): number {
  if (filter.byteLength === 0 || filter.byteLength % SOCK_FILTER_SIZE !== 0) {
    throw new SyscallError('seccomp', 22);
  }
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  const prog = Buffer.alloc(16);
  prog.writeUInt16LE(filter.byteLength / SOCK_FILTER_SIZE, 0);
  prog.writeBigUInt64LE(addressOf(filter), 8);
  const r = syscall3(sysno.seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
  keepAlive.add(filter); // `prog` holds only its address: keep it reachable past the call
  keepAlive.delete(filter);
  return r;
}

/** struct seccomp_notif_sizes, as this kernel has them. */
export interface SeccompNotifSizes {
  seccomp_notif: number;
  seccomp_notif_resp: number;
  seccomp_data: number;
}

let cachedSizes: SeccompNotifSizes | undefined;

/** SECCOMP_GET_NOTIF_SIZES (cached: the kernel's sizes do not change). */
export function seccompGetNotifSizes(): SeccompNotifSizes {
  if (cachedSizes) return cachedSizes;
  const b = Buffer.alloc(6);
  syscall3(sysno.seccomp, SECCOMP_GET_NOTIF_SIZES, 0, b);
  cachedSizes = {
    seccomp_notif: b.readUInt16LE(0),
    seccomp_notif_resp: b.readUInt16LE(2),
    seccomp_data: b.readUInt16LE(4),
  };
  return cachedSizes;
}

/** SECCOMP_GET_ACTION_AVAIL: does this kernel know the action (a SECCOMP_RET_* value)? */
export function seccompGetActionAvail(action: number): boolean {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(action >>> 0, 0);
  const r = syscallNoThrow(sysno.seccomp, SECCOMP_GET_ACTION_AVAIL, 0, b);
  if (r === 0) return true;
  if (r === -95) return false; // EOPNOTSUPP
  throw new SyscallError('seccomp', -r);
}
