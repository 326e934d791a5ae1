import {
  CAP_AUDIT_WRITE,
  CAP_CHOWN,
  CAP_DAC_OVERRIDE,
  CAP_FOWNER,
  CAP_FSETID,
  CAP_KILL,
  CAP_LINUX_IMMUTABLE,
  CAP_NET_BIND_SERVICE,
  CAP_NET_RAW,
  CAP_SETGID,
  CAP_SETPCAP,
  CAP_SETUID,
  CAP_SYS_RESOURCE,
} from '@sysjail/systrace-bindings';
import type { PrisonFlags } from '../prison.js';

/**
 * What root in a jail keeps: the powers of FreeBSD's jailed root over its own files and processes.
 * Gone: SYS_ADMIN, SYS_CHROOT (chroot-in-chroot escape), DAC_READ_SEARCH (open_by_handle_at escape),
 * MKNOD, SYS_MODULE, SYS_RAWIO, SYS_PTRACE, SYS_BOOT, SYS_TIME, NET_ADMIN, BPF, PERFMON, SETFCAP, ...
 */
export function jailCapabilities(flags: PrisonFlags): number[] {
  const caps = [
    CAP_CHOWN,
    CAP_DAC_OVERRIDE,
    CAP_FOWNER,
    CAP_FSETID,
    CAP_KILL,
    CAP_SETGID,
    CAP_SETUID,
    CAP_SETPCAP,
    CAP_NET_BIND_SERVICE,
    CAP_AUDIT_WRITE,
  ];
  if (flags.allowRawSockets) caps.push(CAP_NET_RAW);
  if (flags.allowChflags) caps.push(CAP_LINUX_IMMUTABLE);
  if (flags.allowRlimit) caps.push(CAP_SYS_RESOURCE);
  return caps;
}
