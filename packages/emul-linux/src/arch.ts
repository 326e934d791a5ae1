/** The x86 syscall ABIs as seccomp sees them (libseccomp's arch descriptors), as data. */
import type { Architecture } from '@sysjail/core';

/** AUDIT_ARCH_X86_64 = EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** AUDIT_ARCH_I386 = EM_386 | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_I386 = 0x40000003;
/** __X32_SYSCALL_BIT: x32 calls are x86_64 calls with this bit set in the number. */
export const X32_SYSCALL_BIT = 0x40000000;

export const x86_64Arch: Architecture = {
  name: 'x86_64',
  auditArch: AUDIT_ARCH_X86_64,
  bits: 64,
  endian: 'little',
};
export const i386Arch: Architecture = {
  name: 'i386',
  auditArch: AUDIT_ARCH_I386,
  bits: 32,
  endian: 'little',
};
export const x32Arch: Architecture = {
  name: 'x32',
  auditArch: AUDIT_ARCH_X86_64,
  bits: 32,
  endian: 'little',
  syscallBit: X32_SYSCALL_BIT,
};
