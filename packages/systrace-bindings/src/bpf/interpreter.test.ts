import { describe, expect, it } from 'vitest';
import { BpfAssembler } from './assembler.js';
import {
  AUDIT_ARCH_I386,
  BPF_ABS,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  SECCOMP_DATA,
  SECCOMP_RET_ALLOW,
} from './constants.js';
import { BpfInvalidProgramError } from './errors.js';
import { BPF_STMT } from './instruction.js';
import { FilterInterpreter, interpret } from './interpreter.js';
import {
  type SeccompDataInput,
  seccompDataBytes,
  seccompDataFromBytes,
  seccompDataWords,
} from './seccomp-data.js';

const data: SeccompDataInput = {
  nr: 59,
  arch: AUDIT_ARCH_I386,
  instructionPointer: 0x7f00_1234_5678_9abcn,
  args: [
    0x1111_2222_3333_4444n,
    0xffff_ffff_ffff_fffen,
    0n,
    0x8000_0000n,
    0x1_0000_0000n,
    0xdead_beef_cafe_f00dn,
  ],
};

/** Runs `body` (which leaves its result in A) and returns A. */
function a(body: (asm: BpfAssembler) => BpfAssembler, input = data): number {
  return interpret(body(new BpfAssembler()).retA().assemble(), input);
}

describe('FilterInterpreter', () => {
  it('loads every seccomp_data word (little endian), and sizeof(seccomp_data) for BPF_LEN', () => {
    expect(a((s) => s.ldNr())).toBe(59);
    expect(a((s) => s.ldArch())).toBe(AUDIT_ARCH_I386);
    expect(a((s) => s.ldInstructionPointerLow())).toBe(0x5678_9abc);
    expect(a((s) => s.ldInstructionPointerHigh())).toBe(0x7f00_1234);
    const lows = [0x3333_4444, 0xffff_fffe, 0, 0x8000_0000, 0, 0xcafe_f00d];
    const highs = [0x1111_2222, 0xffff_ffff, 0, 0, 1, 0xdead_beef];
    for (let i = 0; i < 6; i++) {
      expect(a((s) => s.ldArgLow(i))).toBe(lows[i]);
      expect(a((s) => s.ldArgHigh(i))).toBe(highs[i]);
    }
    expect(a((s) => s.ldLen())).toBe(64);
    expect(a((s) => s.ldxLen().txa())).toBe(64);
    // A negative nr is the kernel's int, read as a u32 word.
    expect(a((s) => s.ldNr(), { ...data, nr: -1 })).toBe(0xffffffff);
  });

  it('starts with A = X = 0 and moves between A, X and immediates', () => {
    expect(a((s) => s)).toBe(0);
    expect(a((s) => s.txa())).toBe(0);
    expect(a((s) => s.ldImm(7).tax().ldImm(1).txa())).toBe(7);
    expect(a((s) => s.ldxImm(0xffffffff).txa())).toBe(0xffffffff);
  });

  it('ALU with K and X, wrapping at 32 bits', () => {
    expect(a((s) => s.ldImm(0xffffffff).add(2))).toBe(1);
    expect(a((s) => s.ldImm(0xffffffff).ldxImm(3).add('X'))).toBe(2);
    expect(a((s) => s.ldImm(0).sub(1))).toBe(0xffffffff);
    expect(a((s) => s.ldImm(5).ldxImm(7).sub('X'))).toBe(0xfffffffe);
    expect(a((s) => s.ldImm(0x10001).mul(0x10001))).toBe(0x00020001);
    expect(a((s) => s.ldImm(0xffffffff).ldxImm(0xffffffff).mul('X'))).toBe(1);
    expect(a((s) => s.ldImm(0x80000000).mul(2))).toBe(0);
    expect(a((s) => s.ldImm(0xffffffff).div(2))).toBe(0x7fffffff);
    expect(a((s) => s.ldImm(7).ldxImm(0xffffffff).div('X'))).toBe(0);
    expect(a((s) => s.ldImm(100).ldxImm(7).div('X'))).toBe(14);
    expect(a((s) => s.ldImm(0xf0f0f0f0).and(0xff00ff00))).toBe(0xf000f000);
    expect(a((s) => s.ldImm(0xf0f0f0f0).ldxImm(0x0f).and('X'))).toBe(0);
    expect(a((s) => s.ldImm(0x80000000).or(1))).toBe(0x80000001);
    expect(a((s) => s.ldImm(0).ldxImm(0xffffffff).or('X'))).toBe(0xffffffff);
    expect(a((s) => s.ldImm(0xffffffff).xor(0x0000ffff))).toBe(0xffff0000);
    expect(a((s) => s.ldImm(0xffffffff).ldxImm(0xffffffff).xor('X'))).toBe(0);
    expect(a((s) => s.ldImm(0x80000001).lsh(1))).toBe(2);
    expect(a((s) => s.ldImm(1).lsh(31))).toBe(0x80000000);
    expect(a((s) => s.ldImm(0x80000000).rsh(31))).toBe(1);
    expect(a((s) => s.ldImm(0).neg())).toBe(0);
    expect(a((s) => s.ldImm(1).neg())).toBe(0xffffffff);
    expect(a((s) => s.ldImm(0x80000000).neg())).toBe(0x80000000);
  });

  it('shifts by X use the low 5 bits of X (the kernel eBPF interpreter and JIT)', () => {
    expect(a((s) => s.ldImm(3).ldxImm(33).lsh('X'))).toBe(6);
    expect(a((s) => s.ldImm(0x80000000).ldxImm(63).rsh('X'))).toBe(1);
    expect(a((s) => s.ldImm(5).ldxImm(32).lsh('X'))).toBe(5);
  });

  it('division by X == 0 ends the program with 0 (SECCOMP_RET_KILL_THREAD)', () => {
    const prog = new BpfAssembler().ldImm(9).ldxImm(0).div('X').ret(SECCOMP_RET_ALLOW).assemble();
    expect(interpret(prog, data)).toBe(0);
  });

  it('JEQ / JGT / JGE / JSET, K and X, unsigned', () => {
    const test = (jump: 'jeq' | 'jgt' | 'jge' | 'jset', av: number, v: number, viaX: boolean) => {
      const s = new BpfAssembler().ldImm(av);
      if (viaX) s.ldxImm(v);
      return (
        interpret(
          s[jump](viaX ? 'X' : v, 'yes')
            .ret(0)
            .bind('yes')
            .ret(1)
            .assemble(),
          data,
        ) === 1
      );
    };
    for (const viaX of [false, true]) {
      expect(test('jeq', 5, 5, viaX)).toBe(true);
      expect(test('jeq', 5, 6, viaX)).toBe(false);
      expect(test('jgt', 0x80000000, 1, viaX)).toBe(true);
      expect(test('jgt', 1, 1, viaX)).toBe(false);
      expect(test('jge', 1, 1, viaX)).toBe(true);
      expect(test('jge', 0x7fffffff, 0xffffffff, viaX)).toBe(false);
      expect(test('jset', 0x80000000, 0x80000000, viaX)).toBe(true);
      expect(test('jset', 0x7fffffff, 0x80000000, viaX)).toBe(false);
      expect(test('jset', 0xffffffff, 0, viaX)).toBe(false);
    }
  });

  it('jumps by jt / jf and JA offsets', () => {
    const prog = new BpfAssembler()
      .ldArgLow(0)
      .jeq(0x3333_4444, 'a', 'b')
      .ret(10)
      .bind('a')
      .ja('c')
      .ret(11)
      .bind('b')
      .ret(12)
      .bind('c')
      .ret(13)
      .assemble();
    expect(interpret(prog, data)).toBe(13);
    expect(interpret(prog, { ...data, args: [0n] })).toBe(12);
    // The path's length: ld, jeq, ja, ret; ld, jeq, ret.
    const filter = new FilterInterpreter(prog);
    expect(filter.instructionsRun(data)).toBe(4);
    expect(filter.instructionsRun({ ...data, args: [0n] })).toBe(3);
  });

  it('scratch memory: ST / STX / LD MEM / LDX MEM over all 16 words', () => {
    const s = new BpfAssembler();
    for (let i = 0; i < 16; i++) s.ldImm(i * 3).st(i);
    s.ldxImm(0xabcdef).stx(15).ldImm(0);
    for (let i = 0; i < 15; i++) s.ldxMem(i).add('X');
    s.ldxMem(15).add('X'); // 3 * (0 + ... + 14) + 0xabcdef
    expect(a(() => s)).toBe(3 * 105 + 0xabcdef);
    expect(a((t) => t.ldImm(0xffffffff).st(4).ldImm(0).ldMem(4))).toBe(0xffffffff);
  });

  it('returns K or A, all 32 bits', () => {
    expect(interpret([BPF_STMT(BPF_RET | BPF_K, 0xffffffff)], data)).toBe(0xffffffff);
    expect(a((s) => s.ldImm(0x80000000))).toBe(0x80000000);
  });

  it('runs the same on words, bytes and the object form; reusable across runs', () => {
    const prog = new BpfAssembler().ldArgHigh(5).tax().ldArgLow(5).xor('X').retA().assemble();
    const f = new FilterInterpreter(prog);
    const want = (0xdeadbeef ^ 0xcafef00d) >>> 0;
    expect(f.run(data)).toBe(want);
    expect(f.runWords(seccompDataWords(data))).toBe(want);
    const bytes = seccompDataBytes(data);
    expect(f.runBytes(bytes)).toBe(want);
    const padded = new Uint8Array(80);
    padded.set(bytes, 16);
    expect(f.runBytes(padded.subarray(16))).toBe(want);
    expect(seccompDataFromBytes(bytes)).toEqual(data);
    expect(f.run({ ...data, args: [] })).toBe(0);
  });

  it('validates first: a program the kernel refuses is never run', () => {
    expect(() => new FilterInterpreter([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SECCOMP_DATA.size)])).toThrow(
      BpfInvalidProgramError,
    );
    expect(() => interpret([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)], data)).toThrow(/no-final-ret/);
  });
});
