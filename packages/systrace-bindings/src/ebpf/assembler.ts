/**
 * An eBPF program builder with named labels: jumps name their target, assemble() turns names into the
 * s16 offsets (counted in 8-byte slots after the jump, so a BPF_LD_IMM64 counts twice).
 */
import { InvalidArgumentError } from '../errors.js';
import { type EbpfInsn, insn } from './insn.js';
import { BPF_JA, BPF_JMP, BPF_JMP32, BPF_K, BPF_X, type EbpfJmpOp, type EbpfReg } from './opcodes.js';

interface PendingJump {
  readonly jump: EbpfInsn;
  readonly target: string;
}

type Slot = EbpfInsn | PendingJump;

const isPending = (s: Slot): s is PendingJump => 'target' in s;

export class EbpfAssembler {
  private readonly slots: Slot[] = [];
  private readonly labels = new Map<string, number>();
  private fresh = 0;

  /** Number of 8-byte slots emitted so far. */
  get length(): number {
    return this.slots.length;
  }

  /** Append instructions (a BPF_LD_IMM64 pair may be spread in). */
  emit(...insns: readonly (EbpfInsn | readonly EbpfInsn[])[]): this {
    for (const i of insns) {
      if (Array.isArray(i)) this.slots.push(...(i as readonly EbpfInsn[]));
      else this.slots.push(i as EbpfInsn);
    }
    return this;
  }

  /** A label name not used before, e.g. 'next.3'. */
  newLabel(prefix = 'L'): string {
    return `${prefix}.${this.fresh++}`;
  }

  /** Place `name` at the next instruction. */
  label(name: string): this {
    if (this.labels.has(name)) throw new InvalidArgumentError(`eBPF label defined twice: ${name}`);
    this.labels.set(name, this.slots.length);
    return this;
  }

  /** if (dst op imm) goto target, 64-bit compare (imm sign-extended). */
  jmpImm(op: EbpfJmpOp, dst: EbpfReg, imm: number, target: string): this {
    return this.pending(insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm), target);
  }

  jmpReg(op: EbpfJmpOp, dst: EbpfReg, src: EbpfReg, target: string): this {
    return this.pending(insn(BPF_JMP | op | BPF_X, dst, src, 0, 0), target);
  }

  /** if ((u32)dst op (u32)imm) goto target: use this for address words. */
  jmp32Imm(op: EbpfJmpOp, dst: EbpfReg, imm: number, target: string): this {
    return this.pending(insn(BPF_JMP32 | op | BPF_K, dst, 0, 0, imm), target);
  }

  jmp32Reg(op: EbpfJmpOp, dst: EbpfReg, src: EbpfReg, target: string): this {
    return this.pending(insn(BPF_JMP32 | op | BPF_X, dst, src, 0, 0), target);
  }

  /** goto target */
  ja(target: string): this {
    return this.pending(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0), target);
  }

  /** Resolve every label; throws on an undefined label or an offset beyond s16. */
  assemble(): EbpfInsn[] {
    return this.slots.map((s, at) => {
      if (!isPending(s)) return s;
      const to = this.labels.get(s.target);
      if (to === undefined) throw new InvalidArgumentError(`eBPF label not defined: ${s.target}`);
      const off = to - (at + 1);
      if (off < -0x8000 || off > 0x7fff) {
        throw new InvalidArgumentError(`eBPF jump to ${s.target} out of range (${off})`);
      }
      return { ...s.jump, off };
    });
  }

  private pending(jump: EbpfInsn, target: string): this {
    this.slots.push({ jump, target });
    return this;
  }
}
