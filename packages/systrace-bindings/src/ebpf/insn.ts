/**
 * One eBPF instruction (struct bpf_insn) and constructors named after the kernel's
 * include/linux/filter.h macros (BPF_MOV64_IMM → mov64Imm ...).
 */
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_DW,
  BPF_EXIT,
  BPF_IMM,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_ST,
  BPF_STX,
  BPF_X,
  type EbpfAluOp,
  type EbpfJmpOp,
  type EbpfReg,
  type EbpfSize,
} from './opcodes.js';

/** struct bpf_insn: code, dst_reg:4, src_reg:4, s16 off, s32 imm. */
export interface EbpfInsn {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

/** Size of struct bpf_insn in bytes. */
export const BPF_INSN_SIZE = 8;

/** An immediate given as unsigned 32-bit (e.g. an address word) becomes the s32 the encoding holds. */
function s32(imm: number): number {
  if (!Number.isInteger(imm) || imm < -0x8000_0000 || imm > 0xffff_ffff) {
    throw new RangeError(`eBPF immediate out of 32-bit range: ${imm}`);
  }
  return imm | 0;
}

export function insn(code: number, dst: number, src: number, off: number, imm: number): EbpfInsn {
  if (off < -0x8000 || off > 0x7fff || !Number.isInteger(off)) {
    throw new RangeError(`eBPF offset out of s16 range: ${off}`);
  }
  return { code, dst, src, off, imm: s32(imm) };
}

export const alu64Imm = (op: EbpfAluOp, dst: EbpfReg, imm: number): EbpfInsn =>
  insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
export const alu64Reg = (op: EbpfAluOp, dst: EbpfReg, src: EbpfReg): EbpfInsn =>
  insn(BPF_ALU64 | op | BPF_X, dst, src, 0, 0);
export const alu32Imm = (op: EbpfAluOp, dst: EbpfReg, imm: number): EbpfInsn =>
  insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
export const alu32Reg = (op: EbpfAluOp, dst: EbpfReg, src: EbpfReg): EbpfInsn =>
  insn(BPF_ALU | op | BPF_X, dst, src, 0, 0);

/** dst = imm (sign-extended to 64 bits). */
export const mov64Imm = (dst: EbpfReg, imm: number): EbpfInsn => alu64Imm(BPF_MOV, dst, imm);
export const mov64Reg = (dst: EbpfReg, src: EbpfReg): EbpfInsn => alu64Reg(BPF_MOV, dst, src);
/** w(dst) = imm, upper half zeroed. */
export const mov32Imm = (dst: EbpfReg, imm: number): EbpfInsn => alu32Imm(BPF_MOV, dst, imm);
export const mov32Reg = (dst: EbpfReg, src: EbpfReg): EbpfInsn => alu32Reg(BPF_MOV, dst, src);

/** dst = *(size *)(src + off) */
export const ldxMem = (size: EbpfSize, dst: EbpfReg, src: EbpfReg, off: number): EbpfInsn =>
  insn(BPF_LDX | size | BPF_MEM, dst, src, off, 0);
/** *(size *)(dst + off) = src */
export const stxMem = (size: EbpfSize, dst: EbpfReg, src: EbpfReg, off: number): EbpfInsn =>
  insn(BPF_STX | size | BPF_MEM, dst, src, off, 0);
/** *(size *)(dst + off) = imm. The verifier refuses this into ctx; use a register and stxMem. */
export const stMem = (size: EbpfSize, dst: EbpfReg, off: number, imm: number): EbpfInsn =>
  insn(BPF_ST | size | BPF_MEM, dst, 0, off, imm);

/** BPF_LD_IMM64: two slots; the second carries the upper 32 bits. */
export function ldImm64(dst: EbpfReg, value: bigint, src = 0): [EbpfInsn, EbpfInsn] {
  const v = BigInt.asUintN(64, value);
  const lo = Number(v & 0xffff_ffffn);
  const hi = Number(v >> 32n);
  return [insn(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, lo), insn(0, 0, 0, 0, hi)];
}

/** Conditional jumps with a fixed offset (the assembler resolves labels into these). */
export const jmpImm = (op: EbpfJmpOp, dst: EbpfReg, imm: number, off: number): EbpfInsn =>
  insn(BPF_JMP | op | BPF_K, dst, 0, off, imm);
export const jmpReg = (op: EbpfJmpOp, dst: EbpfReg, src: EbpfReg, off: number): EbpfInsn =>
  insn(BPF_JMP | op | BPF_X, dst, src, off, 0);
/** Compares the low 32 bits only: no sign extension of the immediate gets in the way. */
export const jmp32Imm = (op: EbpfJmpOp, dst: EbpfReg, imm: number, off: number): EbpfInsn =>
  insn(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
export const jmp32Reg = (op: EbpfJmpOp, dst: EbpfReg, src: EbpfReg, off: number): EbpfInsn =>
  insn(BPF_JMP32 | op | BPF_X, dst, src, off, 0);
export const ja = (off: number): EbpfInsn => insn(BPF_JMP | BPF_JA, 0, 0, off, 0);

/** Call a helper by its BPF_FUNC_* id: r1-r5 arguments, r0 result, r1-r5 clobbered. */
export const call = (func: number): EbpfInsn => insn(BPF_JMP | BPF_CALL, 0, 0, 0, func);
export const exit = (): EbpfInsn => insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

/** Encode to the little-endian struct bpf_insn array bpf(BPF_PROG_LOAD) takes. */
export function encodeInsns(insns: readonly EbpfInsn[]): Buffer {
  const buf = Buffer.alloc(insns.length * BPF_INSN_SIZE);
  // DataView writes with the range checks Buffer's writeUInt8/writeInt16LE/writeInt32LE made (those cost
  // a start ~1 ms for a jail's address programs, cold).
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let n = 0; n < insns.length; n++) {
    const i = insns[n];
    if (!i) throw new RangeError(`eBPF instruction ${n} is missing`);
    const at = n * BPF_INSN_SIZE;
    if (i.dst < 0 || i.dst > 15 || i.src < 0 || i.src > 15) {
      throw new RangeError(`eBPF register out of range in instruction ${n}`);
    }
    inRange(i.code, 0, 0xff, 'code', n);
    inRange(i.off, -0x8000, 0x7fff, 'off', n);
    inRange(i.imm, -0x8000_0000, 0x7fff_ffff, 'imm', n);
    view.setUint8(at, i.code);
    view.setUint8(at + 1, (i.src << 4) | i.dst);
    view.setInt16(at + 2, i.off, true);
    view.setInt32(at + 4, i.imm, true);
  }
  return buf;
}

function inRange(v: number, min: number, max: number, field: string, n: number): void {
  if (v < min || v > max) {
    throw new RangeError(`eBPF instruction ${n}: ${field} ${v} is out of range ${min}..${max}`);
  }
}

/** Inverse of encodeInsns (for tests and dumps). */
export function decodeInsns(buf: Uint8Array): EbpfInsn[] {
  if (buf.length % BPF_INSN_SIZE !== 0) throw new RangeError('eBPF program length is not a multiple of 8');
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const out: EbpfInsn[] = [];
  for (let at = 0; at < b.length; at += BPF_INSN_SIZE) {
    const regs = b.readUInt8(at + 1);
    out.push({
      code: b.readUInt8(at),
      dst: regs & 0xf,
      src: regs >> 4,
      off: b.readInt16LE(at + 2),
      imm: b.readInt32LE(at + 4),
    });
  }
  return out;
}
