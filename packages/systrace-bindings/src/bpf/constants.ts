// Classic BPF and seccomp constants, kernel names and values (include/uapi/linux/filter.h, bpf_common.h,
// seccomp.h, audit.h, asm/unistd.h). Numbers of syscalls live in the emulations, not here.
import { BpfAssembleError } from './errors.js';

// Instruction classes: BPF_CLASS(code).
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

// Load sizes: BPF_SIZE(code).
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

// Load modes: BPF_MODE(code).
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

// ALU operations: BPF_OP(code).
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

// Jump operations: BPF_OP(code).
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

// Operand source: BPF_SRC(code).
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// Return value source: BPF_RVAL(code).
export const BPF_A = 0x10;

// Misc operations: BPF_MISCOP(code).
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Scratch memory words M[0..15]. */
export const BPF_MEMWORDS = 16;
/** Longest classic program the kernel accepts (and the most a sock_fprog.len means for seccomp). */
export const BPF_MAXINSNS = 4096;

export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;
export const BPF_RVAL = (code: number): number => code & 0x18;
export const BPF_MISCOP = (code: number): number => code & 0xf8;

// Seccomp filter return values (actions in the high 16 bits, data in the low 16), most restrictive first.
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_KILL = SECCOMP_RET_KILL_THREAD;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_ACTION = 0x7fff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** The kernel caps SECCOMP_RET_ERRNO data at MAX_ERRNO. */
export const MAX_ERRNO = 4095;

// seccomp_data.arch tokens (include/uapi/linux/audit.h).
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;

/** x32 syscalls are x86_64 numbers with this bit set (arch is AUDIT_ARCH_X86_64). */
export const __X32_SYSCALL_BIT = 0x40000000;

/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;

/** Number of syscall arguments in seccomp_data.args. */
export const SECCOMP_DATA_ARGS = 6;

function argIndex(i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= SECCOMP_DATA_ARGS) {
    throw new BpfAssembleError('invalid-operand', `seccomp_data.args index ${i} is not in 0..5`);
  }
  return i;
}

/**
 * Byte offsets of struct seccomp_data fields, named once. 64-bit fields are two 32-bit words; these are
 * the little-endian positions (x86_64, i386): low word first.
 */
export const SECCOMP_DATA = {
  nr: 0,
  arch: 4,
  instructionPointerLow: 8,
  instructionPointerHigh: 12,
  /** args[i], low 32 bits. */
  argLow: (i: number): number => 16 + 8 * argIndex(i),
  /** args[i], high 32 bits. */
  argHigh: (i: number): number => 20 + 8 * argIndex(i),
  size: SECCOMP_DATA_SIZE,
} as const;
