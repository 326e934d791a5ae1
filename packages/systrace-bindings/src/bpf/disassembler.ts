// A program as text, one line per instruction, in the style of `seccomp-tools disasm`:
//   0001: 0x15 0x00 0x08 0xc000003e  if (A != ARCH_X86_64) goto 0010
import { formatSeccompAction } from './action.js';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_CLASS,
  BPF_DIV,
  BPF_IMM,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MOD,
  BPF_MUL,
  BPF_NEG,
  BPF_OP,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  BPF_XOR,
  SECCOMP_DATA,
  SECCOMP_DATA_ARGS,
} from './constants.js';
import { isConditionalJump, isJumpAlways, type Program } from './instruction.js';

export interface DisassembleOptions {
  /** Names syscall numbers compared with A after `A = sys_number` (numbers live in the emulations). */
  readonly syscallName?: (nr: number) => string | undefined;
  /** Prefix the two header lines of seccomp-tools (` line  CODE  JT   JF      K` and a rule). */
  readonly header?: boolean;
}

const archNames = new Map<number, string>([
  [AUDIT_ARCH_X86_64, 'ARCH_X86_64'],
  [AUDIT_ARCH_I386, 'ARCH_I386'],
]);

const aluSymbols = new Map<number, string>([
  [BPF_ADD, '+='],
  [BPF_SUB, '-='],
  [BPF_MUL, '*='],
  [BPF_DIV, '/='],
  [BPF_MOD, '%='],
  [BPF_AND, '&='],
  [BPF_OR, '|='],
  [BPF_XOR, '^='],
  [BPF_LSH, '<<='],
  [BPF_RSH, '>>='],
]);

/** [test, negated test] of a conditional jump, for `A` and an operand text. */
const jumpTests = new Map<number, (a: string, v: string) => [string, string]>([
  [BPF_JEQ, (a, v) => [`${a} == ${v}`, `${a} != ${v}`]],
  [BPF_JGT, (a, v) => [`${a} > ${v}`, `${a} <= ${v}`]],
  [BPF_JGE, (a, v) => [`${a} >= ${v}`, `${a} < ${v}`]],
  [BPF_JSET, (a, v) => [`${a} & ${v}`, `!(${a} & ${v})`]],
]);

/** Name of the seccomp_data word at a byte offset, as seccomp-tools prints it. */
export function seccompDataFieldName(offset: number): string {
  if (offset === SECCOMP_DATA.nr) return 'sys_number';
  if (offset === SECCOMP_DATA.arch) return 'arch';
  if (offset === SECCOMP_DATA.instructionPointerLow) return 'instruction_pointer';
  if (offset === SECCOMP_DATA.instructionPointerHigh) return 'instruction_pointer >> 32';
  for (let i = 0; i < SECCOMP_DATA_ARGS; i++) {
    if (offset === SECCOMP_DATA.argLow(i)) return `args[${i}]`;
    if (offset === SECCOMP_DATA.argHigh(i)) return `args[${i}] >> 32`;
  }
  return `data[${offset}]`;
}

const hex = (v: number, digits = 0): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;
const line = (pc: number): string => String(pc).padStart(4, '0');

export function disassemble(program: Program, options: DisassembleOptions = {}): string[] {
  // What A holds on entry to each instruction ('sys_number', 'arch', ...), when every path agrees.
  const holds: (string | null | undefined)[] = new Array(program.length + 1).fill(undefined);
  holds[0] = null;
  const reach = (pc: number, value: string | null) => {
    if (pc > program.length) return;
    const old = holds[pc];
    holds[pc] = old === undefined || old === value ? value : null;
  };

  const out: string[] = options.header
    ? [' line  CODE  JT   JF      K', '=================================']
    : [];
  program.forEach((insn, pc) => {
    const { code, jt, jf, k } = insn;
    const a = holds[pc] ?? null;
    const next = (value: string | null) => reach(pc + 1, value);
    const operand = (): string => {
      if (BPF_SRC(code) === BPF_X) return 'X';
      if (a === 'arch') return archNames.get(k) ?? hex(k);
      if (a === 'sys_number') return options.syscallName?.(k) ?? hex(k);
      return hex(k);
    };
    let text: string;
    if (code === (BPF_LD | BPF_W | BPF_ABS)) {
      const field = seccompDataFieldName(k);
      text = `A = ${field}`;
      next(field);
    } else if (code === (BPF_LD | BPF_IMM)) {
      text = `A = ${hex(k)}`;
      next(null);
    } else if (code === (BPF_LD | BPF_W | BPF_LEN)) {
      text = 'A = sizeof(seccomp_data)';
      next(null);
    } else if (code === (BPF_LDX | BPF_IMM)) {
      text = `X = ${hex(k)}`;
      next(a);
    } else if (code === (BPF_LDX | BPF_W | BPF_LEN)) {
      text = 'X = sizeof(seccomp_data)';
      next(a);
    } else if (code === (BPF_LD | BPF_MEM)) {
      text = `A = mem[${k}]`;
      next(null);
    } else if (code === (BPF_LDX | BPF_MEM)) {
      text = `X = mem[${k}]`;
      next(a);
    } else if (code === BPF_ST) {
      text = `mem[${k}] = A`;
      next(a);
    } else if (code === BPF_STX) {
      text = `mem[${k}] = X`;
      next(a);
    } else if (code === (BPF_MISC | BPF_TAX)) {
      text = 'X = A';
      next(a);
    } else if (code === (BPF_MISC | BPF_TXA)) {
      text = 'A = X';
      next(null);
    } else if (code === (BPF_ALU | BPF_NEG)) {
      text = 'A = -A';
      next(null);
    } else if (BPF_CLASS(code) === BPF_ALU && code < 0x100 && aluSymbols.has(BPF_OP(code))) {
      text = `A ${aluSymbols.get(BPF_OP(code))} ${BPF_SRC(code) === BPF_X ? 'X' : hex(k)}`;
      next(null);
    } else if (isJumpAlways(code)) {
      text = `goto ${line(pc + 1 + k)}`;
      reach(pc + 1 + k, a);
    } else if (isConditionalJump(code)) {
      const [test, negated] = jumpTests.get(BPF_OP(code))!('A', operand());
      const t = line(pc + 1 + jt);
      const f = line(pc + 1 + jf);
      if (jt === 0 && jf !== 0) text = `if (${negated}) goto ${f}`;
      else if (jf === 0) text = `if (${test}) goto ${t}`;
      else text = `if (${test}) goto ${t} else goto ${f}`;
      reach(pc + 1 + jt, a);
      reach(pc + 1 + jf, a);
    } else if (code === (BPF_RET | BPF_K)) {
      text = `return ${formatSeccompAction(k)}`;
    } else if (code === (BPF_RET | BPF_A)) {
      text = 'return A';
    } else {
      text = `??? (opcode ${hex(code, 2)})`;
      next(null);
    }
    out.push(` ${line(pc)}: ${hex(code, 2)} ${hex(jt, 2)} ${hex(jf, 2)} ${hex(k, 8)}  ${text}`);
  });
  return out;
}
