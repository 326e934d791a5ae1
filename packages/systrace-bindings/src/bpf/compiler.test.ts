import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfAssembler } from './assembler.js';
import { compileFilterSource, MAX_COMPILED_TARGETS } from './compiler.js';
import {
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_DIV,
  BPF_IMM,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  BPF_XOR,
} from './constants.js';
import type { Instruction } from './instruction.js';
import { FilterInterpreter } from './interpreter.js';
import { validateFilter } from './validator.js';

const aluOps = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH];
const codes = [
  ...aluOps.flatMap((op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_W | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LDX | BPF_W | BPF_LEN,
  BPF_LD | BPF_IMM,
  BPF_LDX | BPF_IMM,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_JMP | BPF_JA,
  ...[BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
];

function isValid(program: Instruction[]): boolean {
  try {
    validateFilter(program);
    return true;
  } catch {
    return false;
  }
}

describe('compiled filters', () => {
  it('return what the interpreter loop returns, on random valid programs of every seccomp opcode', () => {
    const k = fc.oneof(fc.nat({ max: 63 }), fc.nat({ max: 0xffffffff }));
    const insn = fc
      .record({ code: fc.constantFrom(...codes), jt: fc.nat({ max: 3 }), jf: fc.nat({ max: 3 }), k })
      .map((i): Instruction => {
        // Nudge operands into what the kernel accepts, so that most programs are valid.
        if (i.code === (BPF_LD | BPF_W | BPF_ABS)) return { ...i, k: i.k & 63 & ~3 };
        if ([BPF_ST, BPF_STX, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM].includes(i.code))
          return { ...i, k: i.k & 15 };
        if (i.code === (BPF_ALU | BPF_LSH | BPF_K) || i.code === (BPF_ALU | BPF_RSH | BPF_K))
          return { ...i, k: i.k & 31 };
        if (i.code === (BPF_ALU | BPF_DIV | BPF_K)) return { ...i, k: i.k || 1 };
        if (i.code === (BPF_JMP | BPF_JA)) return { ...i, k: i.k & 3 };
        return i;
      });
    const program = fc
      .tuple(fc.array(insn, { minLength: 1, maxLength: 24 }), fc.array(k, { minLength: 3, maxLength: 3 }))
      .map(([body, rets]) => [...body, ...rets.map((r) => ({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: r }))])
      .filter(isValid);
    const words = fc.array(fc.nat({ max: 0xffffffff }), { minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(program, fc.array(words, { minLength: 1, maxLength: 8 }), (p, inputs) => {
        const compiled = new FilterInterpreter(p);
        expect(compiled.compiled).toBe(true);
        for (const w of inputs) {
          const data = Uint32Array.from(w);
          expect(compiled.runWords(data)).toBe(compiled.interpretWords(data));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('emit only numbers and fixed statements: the source is a function of the opcodes and constants', () => {
    const prog = new BpfAssembler()
      .ldArgLow(2)
      .jeq(0xdeadbeef, 'yes')
      .ret(1)
      .bind('yes')
      .ldxImm(7)
      .st(3)
      .ret(2)
      .assemble();
    const source = compileFilterSource(prog)!;
    expect(source).toContain('a = w[8];');
    expect(source).toContain(`a === ${0xdeadbeef}`);
    expect(source).toContain('m3 = a;');
  });

  it(`fall back to the interpreter above ${MAX_COMPILED_TARGETS} distinct jump targets`, () => {
    const asm = new BpfAssembler().ldArgLow(0);
    const n = MAX_COMPILED_TARGETS + 1;
    for (let i = 0; i < n; i++) asm.jeq(i, `r${i}`);
    asm.ret(0xffff);
    for (let i = 0; i < n; i++) asm.bind(`r${i}`).ret(i);
    const f = new FilterInterpreter(asm.assemble());
    expect(f.compiled).toBe(false);
    const words = new Uint32Array(16);
    words[4] = 1000;
    expect(f.runWords(words)).toBe(1000);
    words[4] = 5000;
    expect(f.runWords(words)).toBe(0xffff);
  });
});
