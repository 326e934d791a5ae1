/** eBPF opcode fields, as in the kernel's include/uapi/linux/bpf_common.h and bpf.h. */

// Instruction classes.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// Load/store sizes.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// Load/store modes.
export const BPF_IMM = 0x00;
export const BPF_MEM = 0x60;

// Operand source.
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// ALU operations.
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
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;

// Jump operations.
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

/** src_reg of a BPF_LD_IMM64 whose immediate is a map fd. */
export const BPF_PSEUDO_MAP_FD = 1;

/** Registers: r0 return value, r1-r5 arguments, r6-r9 callee-saved, r10 frame pointer (read-only). */
export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_2 = 2;
export const BPF_REG_3 = 3;
export const BPF_REG_4 = 4;
export const BPF_REG_5 = 5;
export const BPF_REG_6 = 6;
export const BPF_REG_7 = 7;
export const BPF_REG_8 = 8;
export const BPF_REG_9 = 9;
export const BPF_REG_10 = 10;

export type EbpfReg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
export type EbpfSize = typeof BPF_W | typeof BPF_H | typeof BPF_B | typeof BPF_DW;
export type EbpfAluOp =
  | typeof BPF_ADD
  | typeof BPF_SUB
  | typeof BPF_MUL
  | typeof BPF_DIV
  | typeof BPF_OR
  | typeof BPF_AND
  | typeof BPF_LSH
  | typeof BPF_RSH
  | typeof BPF_NEG
  | typeof BPF_MOD
  | typeof BPF_XOR
  | typeof BPF_MOV
  | typeof BPF_ARSH;
export type EbpfJmpOp =
  | typeof BPF_JEQ
  | typeof BPF_JGT
  | typeof BPF_JGE
  | typeof BPF_JSET
  | typeof BPF_JNE
  | typeof BPF_JSGT
  | typeof BPF_JSGE
  | typeof BPF_JLT
  | typeof BPF_JLE
  | typeof BPF_JSLT
  | typeof BPF_JSLE;
