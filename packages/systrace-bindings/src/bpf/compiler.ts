// A validated filter as a JavaScript function of seccomp_data's 16 words, for the interpreter's fast path.
// Classic BPF jumps only forward, so every jump target t gets a labeled block spanning instructions
// 0..t-1 (blocks opened in decreasing order of target nest properly) and a jump to t is `break Lt`.
// Only numbers from the validated program reach the generated source.
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
  SECCOMP_DATA_SIZE,
} from './constants.js';
import { isConditionalJump, type Program } from './instruction.js';

/** A filter compiled to a function of seccomp_data's words; returns the 32-bit verdict. */
export type CompiledFilter = (words: Uint32Array) => number;

/** More distinct jump targets than this nest too deep for the JavaScript parser: stay interpreted. */
export const MAX_COMPILED_TARGETS = 1024;

/** ALU statement on a with operand text v (a and v are u32 numbers). */
const aluStatements = new Map<number, (v: string) => string>([
  [BPF_ADD, (v) => `a = (a + ${v}) >>> 0;`],
  [BPF_SUB, (v) => `a = (a - ${v}) >>> 0;`],
  [BPF_MUL, (v) => `a = Math.imul(a, ${v}) >>> 0;`],
  [BPF_DIV, (v) => `a = (a / ${v}) >>> 0;`],
  [BPF_AND, (v) => `a = (a & ${v}) >>> 0;`],
  [BPF_OR, (v) => `a = (a | ${v}) >>> 0;`],
  [BPF_XOR, (v) => `a = (a ^ ${v}) >>> 0;`],
  // JavaScript shift counts use their low 5 bits, as the kernel does for shifts by X.
  [BPF_LSH, (v) => `a = (a << ${v}) >>> 0;`],
  [BPF_RSH, (v) => `a = a >>> ${v};`],
]);

const jumpTests = new Map<number, (v: string) => string>([
  [BPF_JEQ, (v) => `a === ${v}`],
  [BPF_JGT, (v) => `a > ${v}`],
  [BPF_JGE, (v) => `a >= ${v}`],
  [BPF_JSET, (v) => `(a & ${v}) !== 0`],
]);

/** JavaScript source of the function body; `program` must have passed validateFilter. */
export function compileFilterSource(program: Program): string | undefined {
  const targets = new Set<number>();
  program.forEach(({ code, jt, jf, k }, pc) => {
    if (code === (BPF_JMP | BPF_JA) && k !== 0) targets.add(pc + 1 + k);
    if (isConditionalJump(code)) {
      if (jt !== 0) targets.add(pc + 1 + jt);
      if (jf !== 0) targets.add(pc + 1 + jf);
    }
  });
  if (targets.size > MAX_COMPILED_TARGETS) return undefined;

  const mem = new Set<number>();
  const out: string[] = [];
  const goto = (from: number, offset: number) => (offset === 0 ? '' : `break L${from + 1 + offset};`);
  for (const t of [...targets].sort((x, y) => y - x)) out.push(`L${t}: {`);
  program.forEach(({ code, jt, jf, k }, pc) => {
    if (targets.has(pc)) out.push('}');
    const v = (code & BPF_X) === BPF_X ? 'x' : String(k);
    if (code === (BPF_LD | BPF_W | BPF_ABS)) out.push(`a = w[${k >>> 2}];`);
    else if (code === (BPF_LD | BPF_IMM)) out.push(`a = ${k};`);
    else if (code === (BPF_LD | BPF_W | BPF_LEN)) out.push(`a = ${SECCOMP_DATA_SIZE};`);
    else if (code === (BPF_LDX | BPF_IMM)) out.push(`x = ${k};`);
    else if (code === (BPF_LDX | BPF_W | BPF_LEN)) out.push(`x = ${SECCOMP_DATA_SIZE};`);
    else if (code === (BPF_LD | BPF_MEM)) out.push(`a = m${k};`);
    else if (code === (BPF_LDX | BPF_MEM)) out.push(`x = m${k};`);
    else if (code === BPF_ST) {
      mem.add(k);
      out.push(`m${k} = a;`);
    } else if (code === BPF_STX) {
      mem.add(k);
      out.push(`m${k} = x;`);
    } else if (code === (BPF_MISC | BPF_TAX)) out.push('x = a;');
    else if (code === (BPF_MISC | BPF_TXA)) out.push('a = x;');
    else if (code === (BPF_ALU | BPF_NEG)) out.push('a = -a >>> 0;');
    else if (code === (BPF_ALU | BPF_DIV | BPF_X)) out.push('if (x === 0) return 0;', 'a = (a / x) >>> 0;');
    else if ((code & 0x07) === BPF_ALU) out.push(aluStatements.get(code & 0xf0)!(v));
    else if (code === (BPF_JMP | BPF_JA)) out.push(goto(pc, k));
    else if (isConditionalJump(code)) {
      out.push(`if (${jumpTests.get(code & 0xf0)!(v)}) {${goto(pc, jt)}} else {${goto(pc, jf)}}`);
    } else if (code === (BPF_RET | BPF_K)) out.push(`return ${k};`);
    else if (code === (BPF_RET | BPF_A)) out.push('return a;');
    else throw new Error(`compileFilterSource: opcode 0x${code.toString(16)} was not validated`);
  });
  const locals = ['a = 0', 'x = 0', ...[...mem].map((i) => `m${i} = 0`)];
  // The last instruction is a return, so control never reaches the end.
  return `'use strict';\nlet ${locals.join(', ')};\n${out.join('\n')}\nreturn 0;`;
}

/** The compiled function, or undefined when the program has too many targets or code generation fails. */
export function compileFilter(program: Program): CompiledFilter | undefined {
  const source = compileFilterSource(program);
  if (source === undefined) return undefined;
  try {
    const fn = new Function('w', source) as CompiledFilter;
    fn(new Uint32Array(SECCOMP_DATA_SIZE / 4)); // a parser limit shows at the first full compile
    return fn;
  } catch {
    // --disallow-code-generation-from-strings, or a parser limit: the interpreter does the job.
    return undefined;
  }
}
