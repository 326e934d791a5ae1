// One classic BPF instruction: struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }.
import { BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_X } from './constants.js';

export interface Instruction {
  /** Opcode: class | size/op | mode/src (u16). */
  readonly code: number;
  /** Forward offset taken when a conditional jump's test is true (u8). */
  readonly jt: number;
  /** Forward offset taken when it is false (u8). */
  readonly jf: number;
  /** Constant operand (u32). */
  readonly k: number;
}

/** A whole filter: struct sock_fprog's instructions. */
export type Program = readonly Instruction[];

/** The kernel's BPF_STMT(code, k). */
export function BPF_STMT(code: number, k: number): Instruction {
  return { code: code & 0xffff, jt: 0, jf: 0, k: k >>> 0 };
}

/** The kernel's BPF_JUMP(code, k, jt, jf). */
export function BPF_JUMP(code: number, k: number, jt: number, jf: number): Instruction {
  return { code: code & 0xffff, jt: jt & 0xff, jf: jf & 0xff, k: k >>> 0 };
}

const conditionalJumps = new Set(
  [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
);

/** JEQ/JGT/JGE/JSET with K or X: the instructions that use jt and jf. */
export function isConditionalJump(code: number): boolean {
  return conditionalJumps.has(code);
}

/** BPF_JMP|BPF_JA: unconditional jump by k (32-bit, forward). */
export function isJumpAlways(code: number): boolean {
  return code === (BPF_JMP | BPF_JA);
}
