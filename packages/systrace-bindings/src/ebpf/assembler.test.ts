import { describe, expect, it } from 'vitest';
import { EbpfAssembler } from './assembler.js';
import { encodeInsns, exit, ldImm64, mov64Imm } from './insn.js';
import { BPF_JEQ, BPF_JNE, BPF_REG_0, BPF_REG_1 } from './opcodes.js';

describe('EbpfAssembler', () => {
  it('resolves forward jumps relative to the next instruction', () => {
    const a = new EbpfAssembler();
    a.jmpImm(BPF_JEQ, BPF_REG_1, 7, 'yes'); // 0
    a.emit(mov64Imm(BPF_REG_0, 0), exit()); // 1, 2
    a.label('yes');
    a.emit(mov64Imm(BPF_REG_0, 1), exit()); // 3, 4
    const prog = a.assemble();
    expect(prog[0].off).toBe(2);
    expect(encodeInsns(prog).subarray(0, 8).toString('hex')).toBe('1501020007000000');
  });

  it('counts BPF_LD_IMM64 as two slots and allows backward jumps', () => {
    const a = new EbpfAssembler();
    a.label('top'); // 0
    a.emit(ldImm64(BPF_REG_1, 1n)); // 0, 1
    a.jmp32Imm(BPF_JNE, BPF_REG_1, 0xffffffff, 'end'); // 2
    a.ja('top'); // 3
    a.label('end');
    a.emit(exit()); // 4
    const prog = a.assemble();
    expect(prog).toHaveLength(5);
    expect(prog[2].off).toBe(1);
    expect(prog[2].code).toBe(0x56); // BPF_JMP32 | BPF_JNE | BPF_K
    expect(prog[3].off).toBe(-4);
  });

  it('a jump to the very next instruction has offset 0; a label may sit at the end', () => {
    const a = new EbpfAssembler();
    a.ja('next').label('next').emit(exit()).ja('end').label('end');
    const prog = a.assemble();
    expect(prog.map((i) => i.off)).toEqual([0, 0, 0]);
  });

  it('refuses undefined and duplicate labels', () => {
    const a = new EbpfAssembler();
    a.ja('nowhere');
    expect(() => a.assemble()).toThrow(/not defined: nowhere/);
    a.label('x');
    expect(() => a.label('x')).toThrow(/defined twice/);
    expect(a.newLabel('n')).not.toBe(a.newLabel('n'));
  });

  it('refuses jumps beyond s16', () => {
    const a = new EbpfAssembler();
    a.ja('far');
    for (let n = 0; n < 0x8000; n++) a.emit(mov64Imm(BPF_REG_0, 0));
    a.label('far').emit(exit());
    expect(() => a.assemble()).toThrow(/out of range/);
  });
});
