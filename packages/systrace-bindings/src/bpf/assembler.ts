// A classic-BPF program builder with labels. Conditional jumps (8-bit forward offsets) to targets farther
// than 255 instructions go through BPF_JMP|BPF_JA trampolines (32-bit k) inserted right after the jump.
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
  BPF_MAXINSNS,
  BPF_MEM,
  BPF_MEMWORDS,
  BPF_MISC,
  BPF_MOD,
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
  MAX_ERRNO,
  SECCOMP_DATA,
  SECCOMP_RET_ERRNO,
} from './constants.js';
import { BpfAssembleError, BpfProgramTooLongError } from './errors.js';
import { BPF_STMT, type Instruction, isConditionalJump, isJumpAlways } from './instruction.js';
import { BpfLabel, type LabelRef } from './label.js';

/** The second operand of an ALU op or a comparison: a constant (K) or the X register. */
export type Operand = number | 'X';

/** Where a conditional jump goes: a label, or `undefined` for the next instruction. */
export type Target = LabelRef | undefined;

/** Farthest target a conditional jump reaches without a trampoline. */
export const MAX_COND_JUMP = 255;

type Item =
  | { readonly kind: 'insn'; readonly insn: Instruction }
  | {
      readonly kind: 'cond';
      readonly code: number;
      readonly k: number;
      readonly jt: Target;
      readonly jf: Target;
    }
  | { readonly kind: 'ja'; readonly target: LabelRef };

function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new BpfAssembleError('invalid-operand', `${what} ${value} is not a 32-bit integer`);
  }
  return value >>> 0;
}

function memIndex(i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= BPF_MEMWORDS) {
    throw new BpfAssembleError(
      'invalid-operand',
      `scratch memory index ${i} is not in 0..${BPF_MEMWORDS - 1}`,
    );
  }
  return i;
}

export class BpfAssembler {
  private readonly items: Item[] = [];
  private readonly named = new Map<string, BpfLabel>();
  /** Label id -> index of the item it precedes (items.length: the end). */
  private readonly bound = new Map<number, number>();

  /** Number of instructions added so far, trampolines not counted. */
  get size(): number {
    return this.items.length;
  }

  /** A fresh label, distinct from every other (for generated code). */
  label(name?: string): BpfLabel {
    return new BpfLabel(name);
  }

  /** Binds a label to the position of the next instruction added. */
  bind(ref: LabelRef): this {
    const label = this.resolve(ref);
    if (this.bound.has(label.id)) {
      throw new BpfAssembleError('duplicate-label', `label ${label.name} is bound twice`);
    }
    this.bound.set(label.id, this.items.length);
    return this;
  }

  /** Appends a non-jump instruction as is (jumps must use the jump methods so they can be relocated). */
  raw(insn: Instruction): this {
    if (isConditionalJump(insn.code) || isJumpAlways(insn.code)) {
      throw new BpfAssembleError('invalid-operand', 'raw jumps cannot be relocated; use jeq/jgt/jge/jset/ja');
    }
    this.items.push({ kind: 'insn', insn: BPF_STMT(insn.code, insn.k) });
    return this;
  }

  // Loads.

  /** A = 32-bit word of seccomp_data at byte offset (BPF_LD|BPF_W|BPF_ABS). */
  ldAbs(offset: number): this {
    return this.stmt(BPF_LD | BPF_W | BPF_ABS, u32(offset, 'offset'));
  }
  ldNr(): this {
    return this.ldAbs(SECCOMP_DATA.nr);
  }
  ldArch(): this {
    return this.ldAbs(SECCOMP_DATA.arch);
  }
  ldInstructionPointerLow(): this {
    return this.ldAbs(SECCOMP_DATA.instructionPointerLow);
  }
  ldInstructionPointerHigh(): this {
    return this.ldAbs(SECCOMP_DATA.instructionPointerHigh);
  }
  /** A = low 32 bits of args[i]. */
  ldArgLow(i: number): this {
    return this.ldAbs(SECCOMP_DATA.argLow(i));
  }
  /** A = high 32 bits of args[i]. */
  ldArgHigh(i: number): this {
    return this.ldAbs(SECCOMP_DATA.argHigh(i));
  }
  /** A = sizeof(seccomp_data) (BPF_LD|BPF_W|BPF_LEN). */
  ldLen(): this {
    return this.stmt(BPF_LD | BPF_W | BPF_LEN, 0);
  }
  /** X = sizeof(seccomp_data). */
  ldxLen(): this {
    return this.stmt(BPF_LDX | BPF_W | BPF_LEN, 0);
  }
  /** A = k. */
  ldImm(k: number): this {
    return this.stmt(BPF_LD | BPF_IMM, u32(k, 'immediate'));
  }
  /** X = k. */
  ldxImm(k: number): this {
    return this.stmt(BPF_LDX | BPF_IMM, u32(k, 'immediate'));
  }
  /** A = M[i]. */
  ldMem(i: number): this {
    return this.stmt(BPF_LD | BPF_MEM, memIndex(i));
  }
  /** X = M[i]. */
  ldxMem(i: number): this {
    return this.stmt(BPF_LDX | BPF_MEM, memIndex(i));
  }
  /** M[i] = A. */
  st(i: number): this {
    return this.stmt(BPF_ST, memIndex(i));
  }
  /** M[i] = X. */
  stx(i: number): this {
    return this.stmt(BPF_STX, memIndex(i));
  }
  /** X = A. */
  tax(): this {
    return this.stmt(BPF_MISC | BPF_TAX, 0);
  }
  /** A = X. */
  txa(): this {
    return this.stmt(BPF_MISC | BPF_TXA, 0);
  }

  // ALU (32-bit, wrapping).

  /** A = A op operand, for op one of BPF_ADD .. BPF_XOR (not BPF_NEG). */
  alu(op: number, operand: Operand): this {
    if (operand === 'X') return this.stmt(BPF_ALU | op | BPF_X, 0);
    const k = u32(operand, 'ALU operand');
    if ((op === BPF_DIV || op === BPF_MOD) && k === 0) {
      throw new BpfAssembleError('invalid-operand', 'division by constant zero');
    }
    if ((op === BPF_LSH || op === BPF_RSH) && k >= 32) {
      throw new BpfAssembleError('invalid-operand', `shift by ${k} (must be < 32)`);
    }
    return this.stmt(BPF_ALU | op | BPF_K, k);
  }
  add(operand: Operand): this {
    return this.alu(BPF_ADD, operand);
  }
  sub(operand: Operand): this {
    return this.alu(BPF_SUB, operand);
  }
  mul(operand: Operand): this {
    return this.alu(BPF_MUL, operand);
  }
  div(operand: Operand): this {
    return this.alu(BPF_DIV, operand);
  }
  /** BPF_MOD: classic BPF has it, but seccomp refuses it. */
  mod(operand: Operand): this {
    return this.alu(BPF_MOD, operand);
  }
  and(operand: Operand): this {
    return this.alu(BPF_AND, operand);
  }
  or(operand: Operand): this {
    return this.alu(BPF_OR, operand);
  }
  xor(operand: Operand): this {
    return this.alu(BPF_XOR, operand);
  }
  lsh(operand: Operand): this {
    return this.alu(BPF_LSH, operand);
  }
  rsh(operand: Operand): this {
    return this.alu(BPF_RSH, operand);
  }
  /** A = -A. */
  neg(): this {
    return this.stmt(BPF_ALU | BPF_NEG, 0);
  }

  // Jumps (forward only).

  /** if (A op operand) goto jt else goto jf, for op one of BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET. */
  jump(op: number, operand: Operand, jt: Target, jf?: Target): this {
    const code = BPF_JMP | op | (operand === 'X' ? BPF_X : BPF_K);
    if (!isConditionalJump(code)) {
      throw new BpfAssembleError('invalid-operand', `0x${op.toString(16)} is not a conditional jump`);
    }
    const k = operand === 'X' ? 0 : u32(operand, 'comparison operand');
    this.items.push({ kind: 'cond', code, k, jt: this.target(jt), jf: this.target(jf) });
    return this;
  }
  jeq(operand: Operand, jt: Target, jf?: Target): this {
    return this.jump(BPF_JEQ, operand, jt, jf);
  }
  jgt(operand: Operand, jt: Target, jf?: Target): this {
    return this.jump(BPF_JGT, operand, jt, jf);
  }
  jge(operand: Operand, jt: Target, jf?: Target): this {
    return this.jump(BPF_JGE, operand, jt, jf);
  }
  jset(operand: Operand, jt: Target, jf?: Target): this {
    return this.jump(BPF_JSET, operand, jt, jf);
  }
  /** if (A != operand) goto target. */
  jne(operand: Operand, target: LabelRef): this {
    return this.jump(BPF_JEQ, operand, undefined, target);
  }
  /** if (A < operand) goto target. */
  jlt(operand: Operand, target: LabelRef): this {
    return this.jump(BPF_JGE, operand, undefined, target);
  }
  /** if (A <= operand) goto target. */
  jle(operand: Operand, target: LabelRef): this {
    return this.jump(BPF_JGT, operand, undefined, target);
  }
  /** goto target (BPF_JMP|BPF_JA, 32-bit offset). */
  ja(target: LabelRef): this {
    this.items.push({ kind: 'ja', target: this.resolve(target) });
    return this;
  }

  // Returns.

  /** return k: a seccomp action (SECCOMP_RET_* | data). */
  ret(action: number): this {
    return this.stmt(BPF_RET | BPF_K, u32(action, 'return value'));
  }
  /** return SECCOMP_RET_ERRNO | errno. */
  retErrno(errno: number): this {
    if (!Number.isInteger(errno) || errno < 0 || errno > MAX_ERRNO) {
      throw new BpfAssembleError('invalid-operand', `errno ${errno} is not in 0..${MAX_ERRNO}`);
    }
    return this.ret(SECCOMP_RET_ERRNO | errno);
  }
  /** return A. */
  retA(): this {
    return this.stmt(BPF_RET | BPF_A, 0);
  }

  /** Resolves labels, inserts trampolines and checks the length; the builder stays usable. */
  assemble(): Instruction[] {
    const { items } = this;
    if (items.length === 0) throw new BpfAssembleError('empty', 'no instructions');
    const targetItem = (from: number, ref: Target, branch: string): number => {
      if (ref === undefined) {
        if (from + 1 >= items.length) {
          throw new BpfAssembleError(
            'label-past-end',
            `${branch} of the jump at item ${from} falls off the end`,
          );
        }
        return from + 1;
      }
      const label = this.resolve(ref);
      const at = this.bound.get(label.id);
      if (at === undefined) throw new BpfAssembleError('unbound-label', `label ${label.name} is never bound`);
      if (at <= from) {
        throw new BpfAssembleError(
          'backward-jump',
          `jump at item ${from} to label ${label.name} at item ${at}: classic BPF jumps only forward`,
        );
      }
      if (at >= items.length) {
        throw new BpfAssembleError(
          'label-past-end',
          `label ${label.name} is bound after the last instruction`,
        );
      }
      return at;
    };

    // Target items, resolved once.
    const tTarget = new Int32Array(items.length);
    const fTarget = new Int32Array(items.length);
    items.forEach((item, i) => {
      if (item.kind === 'cond') {
        tTarget[i] = targetItem(i, item.jt, 'true branch');
        fTarget[i] = targetItem(i, item.jf, 'false branch');
      } else if (item.kind === 'ja') {
        tTarget[i] = targetItem(i, item.target, 'goto');
      }
    });

    // Fixed point: a jump found too long gets trampolines; insertions only lengthen jumps, so flags only rise.
    const farT = new Uint8Array(items.length);
    const farF = new Uint8Array(items.length);
    const trampolines = (i: number): number =>
      farT[i] && farF[i] && tTarget[i] === fTarget[i] ? 1 : farT[i] + farF[i];
    const pos = new Int32Array(items.length + 1);
    for (;;) {
      for (let i = 0; i < items.length; i++) {
        pos[i + 1] = pos[i] + 1 + (items[i].kind === 'cond' ? trampolines(i) : 0);
      }
      let changed = false;
      for (let i = 0; i < items.length; i++) {
        if (items[i].kind !== 'cond') continue;
        if (!farT[i] && pos[tTarget[i]] - (pos[i] + 1) > MAX_COND_JUMP) {
          farT[i] = 1;
          changed = true;
        }
        if (!farF[i] && pos[fTarget[i]] - (pos[i] + 1) > MAX_COND_JUMP) {
          farF[i] = 1;
          changed = true;
        }
      }
      if (!changed) break;
    }
    const length = pos[items.length];
    if (length > BPF_MAXINSNS) throw new BpfProgramTooLongError(length, BPF_MAXINSNS);

    const out: Instruction[] = [];
    items.forEach((item, i) => {
      const at = pos[i];
      if (item.kind === 'insn') {
        out.push(item.insn);
      } else if (item.kind === 'ja') {
        out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: pos[tTarget[i]] - (at + 1) });
      } else {
        const shared = farT[i] && farF[i] && tTarget[i] === fTarget[i];
        // Trampoline slots: the true branch's first, then the false branch's.
        const tSlot = at + 1;
        const fSlot = shared ? tSlot : at + 1 + farT[i];
        const jt = farT[i] ? tSlot - (at + 1) : pos[tTarget[i]] - (at + 1);
        const jf = farF[i] ? fSlot - (at + 1) : pos[fTarget[i]] - (at + 1);
        out.push({ code: item.code, jt, jf, k: item.k });
        if (farT[i]) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: pos[tTarget[i]] - (tSlot + 1) });
        if (farF[i] && !shared) {
          out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: pos[fTarget[i]] - (fSlot + 1) });
        }
      }
    });
    return out;
  }

  private stmt(code: number, k: number): this {
    this.items.push({ kind: 'insn', insn: BPF_STMT(code, k) });
    return this;
  }

  private target(ref: Target): Target {
    return ref === undefined ? undefined : this.resolve(ref);
  }

  private resolve(ref: LabelRef): BpfLabel {
    if (typeof ref !== 'string') return ref;
    let label = this.named.get(ref);
    if (label === undefined) {
      label = this.label(ref);
      this.named.set(ref, label);
    }
    return label;
  }
}
