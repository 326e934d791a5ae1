// Runs a seccomp filter on a seccomp_data as the kernel does: validated first (validator.ts), then the
// classic semantics after seccomp's rewrites (BPF_LEN loads are sizeof(seccomp_data), BPF_ABS loads read
// seccomp_data in native byte order), A = X = 0 at start, 32-bit wrapping ALU, division by X == 0
// returning 0 (the kernel's cBPF rule), shifts by X using the low 5 bits of X (the eBPF interpreter and JIT).

import { type CompiledFilter, compileFilter } from './compiler.js';
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
  BPF_MEMWORDS,
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
import { BpfDecodeError } from './errors.js';
import type { Program } from './instruction.js';
import {
  SECCOMP_DATA_WORDS,
  type SeccompDataInput,
  seccompDataWords,
  writeSeccompData,
} from './seccomp-data.js';
import { validateFilter } from './validator.js';

/** Dense internal opcodes, so that the dispatch switch compiles to a jump table. */
enum Op {
  LdAbs,
  LdImm,
  LdxImm,
  LdMem,
  LdxMem,
  St,
  Stx,
  Tax,
  Txa,
  AddK,
  AddX,
  SubK,
  SubX,
  MulK,
  MulX,
  DivK,
  DivX,
  AndK,
  AndX,
  OrK,
  OrX,
  XorK,
  XorX,
  LshK,
  LshX,
  RshK,
  RshX,
  Neg,
  Ja,
  JeqK,
  JeqX,
  JgtK,
  JgtX,
  JgeK,
  JgeX,
  JsetK,
  JsetX,
  RetK,
  RetA,
}

const alu: ReadonlyArray<readonly [number, Op, Op]> = [
  [BPF_ADD, Op.AddK, Op.AddX],
  [BPF_SUB, Op.SubK, Op.SubX],
  [BPF_MUL, Op.MulK, Op.MulX],
  [BPF_DIV, Op.DivK, Op.DivX],
  [BPF_AND, Op.AndK, Op.AndX],
  [BPF_OR, Op.OrK, Op.OrX],
  [BPF_XOR, Op.XorK, Op.XorX],
  [BPF_LSH, Op.LshK, Op.LshX],
  [BPF_RSH, Op.RshK, Op.RshX],
];
const jumps: ReadonlyArray<readonly [number, Op, Op]> = [
  [BPF_JEQ, Op.JeqK, Op.JeqX],
  [BPF_JGT, Op.JgtK, Op.JgtX],
  [BPF_JGE, Op.JgeK, Op.JgeX],
  [BPF_JSET, Op.JsetK, Op.JsetX],
];

/** Kernel opcode (after validation) -> internal op. */
const opOf = new Map<number, Op>([
  [BPF_LD | BPF_W | BPF_ABS, Op.LdAbs],
  [BPF_LD | BPF_IMM, Op.LdImm],
  [BPF_LD | BPF_W | BPF_LEN, Op.LdImm],
  [BPF_LDX | BPF_IMM, Op.LdxImm],
  [BPF_LDX | BPF_W | BPF_LEN, Op.LdxImm],
  [BPF_LD | BPF_MEM, Op.LdMem],
  [BPF_LDX | BPF_MEM, Op.LdxMem],
  [BPF_ST, Op.St],
  [BPF_STX, Op.Stx],
  [BPF_MISC | BPF_TAX, Op.Tax],
  [BPF_MISC | BPF_TXA, Op.Txa],
  ...alu.flatMap(([op, k, x]): [number, Op][] => [
    [BPF_ALU | op | BPF_K, k],
    [BPF_ALU | op | BPF_X, x],
  ]),
  [BPF_ALU | BPF_NEG, Op.Neg],
  [BPF_JMP | BPF_JA, Op.Ja],
  ...jumps.flatMap(([op, k, x]): [number, Op][] => [
    [BPF_JMP | op | BPF_K, k],
    [BPF_JMP | op | BPF_X, x],
  ]),
  [BPF_RET | BPF_K, Op.RetK],
  [BPF_RET | BPF_A, Op.RetA],
]);

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface FilterInterpreterOptions {
  /** Compile the program to a JavaScript function (default true); the interpreter is the fallback. */
  readonly compile?: boolean;
}

/**
 * A validated filter, ready to run many times (e.g. once per seccomp notification). Construction throws
 * BpfInvalidProgramError when the kernel would refuse the program.
 */
export class FilterInterpreter {
  readonly length: number;
  /** Whether runs go through the compiled function rather than the interpreter loop. */
  readonly compiled: boolean;
  private readonly fn: CompiledFilter | undefined;
  private readonly ops: Uint8Array;
  private readonly jt: Uint8Array;
  private readonly jf: Uint8Array;
  private readonly k: Uint32Array;
  private readonly mem = new Uint32Array(BPF_MEMWORDS);
  private readonly words = new Uint32Array(SECCOMP_DATA_WORDS);
  private readonly wordBytes = new Uint8Array(this.words.buffer);
  private readonly wordView = new DataView(this.words.buffer);

  constructor(program: Program, options: FilterInterpreterOptions = {}) {
    validateFilter(program);
    this.fn = options.compile === false ? undefined : compileFilter(program);
    this.compiled = this.fn !== undefined;
    const n = program.length;
    this.length = n;
    this.ops = new Uint8Array(n);
    this.jt = new Uint8Array(n);
    this.jf = new Uint8Array(n);
    this.k = new Uint32Array(n);
    for (let pc = 0; pc < n; pc++) {
      const { code, jt, jf, k } = program[pc];
      this.ops[pc] = opOf.get(code)!;
      this.jt[pc] = jt;
      this.jf[pc] = jf;
      // seccomp_check_filter rewrites BPF_LEN loads to immediates, and BPF_ABS offsets index words here.
      this.k[pc] =
        code === (BPF_LD | BPF_W | BPF_LEN) || code === (BPF_LDX | BPF_W | BPF_LEN)
          ? SECCOMP_DATA_SIZE
          : code === (BPF_LD | BPF_W | BPF_ABS)
            ? k >>> 2
            : k;
    }
  }

  /** The filter's 32-bit return value for this seccomp_data. */
  run(data: SeccompDataInput): number {
    if (!littleEndian) return this.runWords(seccompDataWords(data, this.words));
    writeSeccompData(this.wordView, data);
    return this.runWords(this.words);
  }

  /** Same, on the 64 bytes of a struct seccomp_data (little endian, e.g. struct seccomp_notif.data). */
  runBytes(bytes: Uint8Array): number {
    if (bytes.length < SECCOMP_DATA_SIZE) {
      throw new BpfDecodeError(`seccomp_data is ${SECCOMP_DATA_SIZE} bytes, got ${bytes.length}`);
    }
    if (littleEndian) {
      this.wordBytes.set(bytes.length === SECCOMP_DATA_SIZE ? bytes : bytes.subarray(0, SECCOMP_DATA_SIZE));
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, SECCOMP_DATA_SIZE);
      for (let i = 0; i < SECCOMP_DATA_WORDS; i++) this.words[i] = view.getUint32(4 * i, true);
    }
    return this.runWords(this.words);
  }

  /** Same, on seccomp_data's 16 words (see seccompDataWords). */
  runWords(words: Uint32Array): number {
    return this.fn === undefined ? this.interpretWords(words) : this.fn(words);
  }

  /**
   * How many instructions the filter runs for this seccomp_data, the return included (interpreted: the
   * length of a call's path through the program, as the kernel would run it).
   */
  instructionsRun(data: SeccompDataInput): number {
    this.interpretWords(seccompDataWords(data));
    return this.steps;
  }

  /** Instructions the last interpretWords ran. */
  private steps = 0;

  /** The interpreter loop itself (the reference the compiled function is tested against). */
  interpretWords(words: Uint32Array): number {
    const { ops, jt, jf, k, mem } = this;
    let a = 0;
    let x = 0;
    let pc = 0;
    let steps = 0;
    for (;;) {
      steps++;
      switch (ops[pc]) {
        case Op.LdAbs:
          a = words[k[pc]];
          break;
        case Op.LdImm:
          a = k[pc];
          break;
        case Op.LdxImm:
          x = k[pc];
          break;
        case Op.LdMem:
          a = mem[k[pc]];
          break;
        case Op.LdxMem:
          x = mem[k[pc]];
          break;
        case Op.St:
          mem[k[pc]] = a;
          break;
        case Op.Stx:
          mem[k[pc]] = x;
          break;
        case Op.Tax:
          x = a;
          break;
        case Op.Txa:
          a = x;
          break;
        case Op.AddK:
          a = (a + k[pc]) >>> 0;
          break;
        case Op.AddX:
          a = (a + x) >>> 0;
          break;
        case Op.SubK:
          a = (a - k[pc]) >>> 0;
          break;
        case Op.SubX:
          a = (a - x) >>> 0;
          break;
        case Op.MulK:
          a = Math.imul(a, k[pc]) >>> 0;
          break;
        case Op.MulX:
          a = Math.imul(a, x) >>> 0;
          break;
        case Op.DivK:
          a = (a / k[pc]) >>> 0;
          break;
        case Op.DivX:
          if (x === 0) {
            this.steps = steps;
            return 0;
          }
          a = (a / x) >>> 0;
          break;
        case Op.AndK:
          a = (a & k[pc]) >>> 0;
          break;
        case Op.AndX:
          a = (a & x) >>> 0;
          break;
        case Op.OrK:
          a = (a | k[pc]) >>> 0;
          break;
        case Op.OrX:
          a = (a | x) >>> 0;
          break;
        case Op.XorK:
          a = (a ^ k[pc]) >>> 0;
          break;
        case Op.XorX:
          a = (a ^ x) >>> 0;
          break;
        case Op.LshK:
          a = (a << k[pc]) >>> 0;
          break;
        case Op.LshX:
          a = (a << (x & 31)) >>> 0;
          break;
        case Op.RshK:
          a = a >>> k[pc];
          break;
        case Op.RshX:
          a = a >>> (x & 31);
          break;
        case Op.Neg:
          a = -a >>> 0;
          break;
        case Op.Ja:
          pc += k[pc];
          break;
        case Op.JeqK:
          pc += a === k[pc] ? jt[pc] : jf[pc];
          break;
        case Op.JeqX:
          pc += a === x ? jt[pc] : jf[pc];
          break;
        case Op.JgtK:
          pc += a > k[pc] ? jt[pc] : jf[pc];
          break;
        case Op.JgtX:
          pc += a > x ? jt[pc] : jf[pc];
          break;
        case Op.JgeK:
          pc += a >= k[pc] ? jt[pc] : jf[pc];
          break;
        case Op.JgeX:
          pc += a >= x ? jt[pc] : jf[pc];
          break;
        case Op.JsetK:
          pc += (a & k[pc]) !== 0 ? jt[pc] : jf[pc];
          break;
        case Op.JsetX:
          pc += (a & x) !== 0 ? jt[pc] : jf[pc];
          break;
        case Op.RetK:
          this.steps = steps;
          return k[pc];
        case Op.RetA:
          this.steps = steps;
          return a;
      }
      pc++;
    }
  }
}

/** Validates and runs a filter once (interpreted: no compile cost); keep a FilterInterpreter to run it often. */
export function interpret(program: Program, data: SeccompDataInput): number {
  return new FilterInterpreter(program, { compile: false }).run(data);
}
