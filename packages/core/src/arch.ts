/** An architecture as seccomp sees it: one descriptor per syscall ABI (libseccomp's arch descriptor). */
export interface Architecture {
  /** Kernel/libseccomp name: 'x86_64', 'i386', 'x32'. */
  readonly name: string;
  /** AUDIT_ARCH_* token found in seccomp_data.arch. */
  readonly auditArch: number;
  /** Word size of the ABI: argument width of its syscalls. */
  readonly bits: 32 | 64;
  readonly endian: 'little' | 'big';
  /**
   * Bits OR-ed into the syscall number by this ABI and not part of the table's numbers
   * (x32 shares AUDIT_ARCH_X86_64 and sets __X32_SYSCALL_BIT = 0x40000000).
   */
  readonly syscallBit?: number;
}
