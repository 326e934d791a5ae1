// The kernel's checks on a seccomp filter, in the kernel's order: bpf_check_basics_ok, bpf_check_classic
// (with check_load_and_stores), then seccomp_check_filter (net/core/filter.c, kernel/seccomp.c).
// Any failure there is EINVAL from seccomp(SECCOMP_SET_MODE_FILTER); here it is a BpfInvalidProgramError.
import {
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_IND,
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
  BPF_MAXINSNS,
  BPF_MEM,
  BPF_MEMWORDS,
  BPF_MISC,
  BPF_MOD,
  BPF_MSH,
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
import { BpfInvalidProgramError } from './errors.js';
import { isConditionalJump, isJumpAlways, type Program } from './instruction.js';

const aluOps = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH];
const jumpOps = [BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET];

/** Opcodes seccomp_check_filter lets through (after bpf_check_classic). */
const seccompCodes = new Set<number>([
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
  ...aluOps.flatMap((op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_W | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LDX | BPF_W | BPF_LEN,
  BPF_LD | BPF_IMM,
  BPF_LDX | BPF_IMM,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_JMP | BPF_JA,
  ...jumpOps.flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

/** Opcodes of classic BPF at large (chk_code_allowed): seccomp's plus socket-filter-only ones. */
const classicCodes = new Set<number>([
  ...seccompCodes,
  BPF_ALU | BPF_MOD | BPF_K,
  BPF_ALU | BPF_MOD | BPF_X,
  BPF_LD | BPF_H | BPF_ABS,
  BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_IND,
  BPF_LD | BPF_H | BPF_IND,
  BPF_LD | BPF_B | BPF_IND,
  BPF_LDX | BPF_B | BPF_MSH,
]);

/** Whether seccomp accepts this opcode at all. */
export function isSeccompCode(code: number): boolean {
  return seccompCodes.has(code);
}

function invalid(
  reason: ConstructorParameters<typeof BpfInvalidProgramError>[0],
  pc: number | undefined,
  d: string,
) {
  return new BpfInvalidProgramError(reason, pc, d);
}

/** Throws BpfInvalidProgramError exactly when the kernel would refuse this program as a seccomp filter. */
export function validateFilter(program: Program): void {
  const flen = program.length;
  // bpf_check_basics_ok (and seccomp_prepare_filter's own length check).
  if (flen === 0) throw invalid('empty', undefined, 'a filter needs at least one instruction');
  if (flen > BPF_MAXINSNS) throw invalid('too-long', undefined, `${flen} > BPF_MAXINSNS (${BPF_MAXINSNS})`);

  // bpf_check_classic.
  for (let pc = 0; pc < flen; pc++) {
    const { code, jt, jf, k } = program[pc];
    if (!classicCodes.has(code)) throw invalid('opcode-not-allowed', pc, `unknown opcode 0x${hex(code, 2)}`);
    switch (code) {
      case BPF_ALU | BPF_DIV | BPF_K:
      case BPF_ALU | BPF_MOD | BPF_K:
        if (k === 0) throw invalid('division-by-zero', pc, 'division by constant zero');
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (k >= 32) throw invalid('shift-out-of-range', pc, `shift by ${k}`);
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
      case BPF_ST:
      case BPF_STX:
        if (k >= BPF_MEMWORDS) throw invalid('mem-index-out-of-range', pc, `M[${k}]`);
        break;
      case BPF_JMP | BPF_JA:
        if (k >= flen - pc - 1) throw invalid('jump-out-of-range', pc, `goto +${k} leaves the program`);
        break;
      default:
        if (isConditionalJump(code) && (pc + jt + 1 >= flen || pc + jf + 1 >= flen)) {
          throw invalid('jump-out-of-range', pc, `jt ${jt} / jf ${jf} leave the program`);
        }
    }
  }
  const last = program[flen - 1].code;
  if (last !== (BPF_RET | BPF_K) && last !== (BPF_RET | BPF_A)) {
    throw invalid('no-final-ret', flen - 1, 'the last instruction must be a return');
  }
  checkLoadAndStores(program);

  // seccomp_check_filter.
  for (let pc = 0; pc < flen; pc++) {
    const { code, k } = program[pc];
    if (!seccompCodes.has(code)) {
      throw invalid('opcode-not-allowed', pc, `opcode 0x${hex(code, 2)} is not allowed in seccomp filters`);
    }
    if (code === (BPF_LD | BPF_W | BPF_ABS)) {
      if (k >= SECCOMP_DATA_SIZE)
        throw invalid('load-out-of-bounds', pc, `offset ${k} is outside seccomp_data`);
      if (k & 3) throw invalid('load-misaligned', pc, `offset ${k} is not 4-byte aligned`);
    }
  }
}

/**
 * check_load_and_stores: a scratch word may be read only if every path to the read stored it. One bit per
 * word; the state reaching a jump target is the AND of the states of every jump to it (and, as in the
 * kernel, of the instruction before it, even when that one is a return).
 */
function checkLoadAndStores(program: Program): void {
  const masks = new Uint16Array(program.length).fill(0xffff);
  let memvalid = 0;
  for (let pc = 0; pc < program.length; pc++) {
    memvalid &= masks[pc];
    const { code, jt, jf, k } = program[pc];
    if (code === BPF_ST || code === BPF_STX) {
      memvalid |= 1 << k;
    } else if (code === (BPF_LD | BPF_MEM) || code === (BPF_LDX | BPF_MEM)) {
      if (!(memvalid & (1 << k))) {
        throw invalid('mem-uninitialized', pc, `M[${k}] is read before being written on some path`);
      }
    } else if (isJumpAlways(code)) {
      masks[pc + 1 + k] &= memvalid;
      memvalid = 0xffff;
    } else if (isConditionalJump(code)) {
      masks[pc + 1 + jt] &= memvalid;
      masks[pc + 1 + jf] &= memvalid;
      memvalid = 0xffff;
    }
  }
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}
