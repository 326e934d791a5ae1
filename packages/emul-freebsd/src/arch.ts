/** FreeBSD's native ABI as an architecture descriptor (the audit arch the Linux kernel would report for it). */
import type { Architecture } from '@sysjail/core';

/** AUDIT_ARCH_X86_64: a FreeBSD amd64 process on Linux traps with the x86_64 arch token. */
export const amd64Arch: Architecture = { name: 'amd64', auditArch: 0xc000003e, bits: 64, endian: 'little' };
