import { describe, expect, it } from 'vitest';
import {
  alu64Imm,
  call,
  decodeInsns,
  encodeInsns,
  exit,
  ja,
  jmp32Imm,
  jmpImm,
  ldImm64,
  ldxMem,
  mov32Imm,
  mov64Imm,
  mov64Reg,
  stMem,
  stxMem,
} from './insn.js';
import {
  BPF_ADD,
  BPF_DW,
  BPF_JEQ,
  BPF_JNE,
  BPF_REG_0,
  BPF_REG_1,
  BPF_REG_2,
  BPF_REG_6,
  BPF_REG_7,
  BPF_REG_10,
  BPF_W,
} from './opcodes.js';

const hex = (b: Buffer) =>
  b
    .toString('hex')
    .replace(/(.{16})/g, '$1 ')
    .trim();

// Expected bytes: what the kernel's include/linux/filter.h macros produce (struct bpf_insn, little-endian).
describe('eBPF instruction encoding', () => {
  it.each([
    ['BPF_MOV64_REG(R6, R1)', mov64Reg(BPF_REG_6, BPF_REG_1), 'bf16000000000000'],
    ['BPF_MOV64_IMM(R0, 1)', mov64Imm(BPF_REG_0, 1), 'b700000001000000'],
    ['BPF_MOV32_IMM(R1, 0xffffffff)', mov32Imm(BPF_REG_1, 0xffffffff), 'b4010000ffffffff'],
    ['BPF_ALU64_IMM(BPF_ADD, R2, -16)', alu64Imm(BPF_ADD, BPF_REG_2, -16), '07020000f0ffffff'],
    ['BPF_EXIT_INSN()', exit(), '9500000000000000'],
    ['BPF_LDX_MEM(BPF_W, R7, R6, 4)', ldxMem(BPF_W, BPF_REG_7, BPF_REG_6, 4), '6167040000000000'],
    ['BPF_LDX_MEM(BPF_DW, R2, R6, 64)', ldxMem(BPF_DW, BPF_REG_2, BPF_REG_6, 64), '7962400000000000'],
    ['BPF_STX_MEM(BPF_W, R6, R2, 4)', stxMem(BPF_W, BPF_REG_6, BPF_REG_2, 4), '6326040000000000'],
    ['BPF_ST_MEM(BPF_DW, R10, -8, 0)', stMem(BPF_DW, BPF_REG_10, -8, 0), '7a0af8ff00000000'],
    ['BPF_EMIT_CALL(BPF_FUNC_bind)', call(64), '8500000040000000'],
    [
      'BPF_JMP32_IMM(BPF_JEQ, R7, 0x0100007f, 3)',
      jmp32Imm(BPF_JEQ, BPF_REG_7, 0x0100007f, 3),
      '160703007f000001',
    ],
    ['BPF_JMP_IMM(BPF_JNE, R0, 0, -2)', jmpImm(BPF_JNE, BPF_REG_0, 0, -2), '5500feff00000000'],
    ['BPF_JMP_A(1)', ja(1), '0500010000000000'],
  ])('%s', (_name, i, bytes) => {
    expect(encodeInsns([i]).toString('hex')).toBe(bytes);
  });

  it('BPF_LD_IMM64 takes two slots, low word first', () => {
    expect(hex(encodeInsns(ldImm64(BPF_REG_1, 0x1122334455667788n)))).toBe(
      '1801000088776655 0000000044332211',
    );
    expect(hex(encodeInsns(ldImm64(BPF_REG_1, -1n)))).toBe('18010000ffffffff 00000000ffffffff');
  });

  it('address words above 0x7fffffff are stored as the same 32 bits', () => {
    expect(jmp32Imm(BPF_JEQ, BPF_REG_7, 0xffff0000, 0).imm).toBe(0xffff0000 | 0);
    expect(() => mov64Imm(BPF_REG_0, 0x1_0000_0000)).toThrow(RangeError);
    expect(() => jmpImm(BPF_JEQ, BPF_REG_0, 0, 0x8000)).toThrow(RangeError);
  });

  it('decodes what it encodes', () => {
    const prog = [
      mov64Reg(BPF_REG_6, BPF_REG_1),
      stMem(BPF_W, BPF_REG_10, -4, -22),
      ...ldImm64(BPF_REG_2, 5n),
      exit(),
    ];
    expect(decodeInsns(encodeInsns(prog))).toEqual(prog);
  });

  it('refuses fields out of their range, as the struct holds them', () => {
    const ok = exit();
    for (const bad of [
      { code: 0x100 },
      { code: -1 },
      { off: 0x8000 },
      { off: -0x8001 },
      { imm: 2 ** 31 },
      { imm: -(2 ** 31) - 1 },
    ]) {
      expect(() => encodeInsns([ok, { ...ok, ...bad }])).toThrow(RangeError);
    }
    expect(hex(encodeInsns([{ ...ok, off: -0x8000, imm: -(2 ** 31) }]))).toBe('9500008000000080');
  });
});
