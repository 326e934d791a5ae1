import { BpfAssembler, type BpfLabel, encode, type Instruction } from '@sysjail/systrace-bindings';
import type { FilterOp } from './ir.js';

/** Assembles the compiler's ops with the bindings' assembler (labels, long-jump trampolines, limit). */
export function assembleFilter(ops: readonly FilterOp[]): Instruction[] {
  const asm = new BpfAssembler();
  const labels = new Map<string, BpfLabel>();
  const label = (name: string) => {
    let l = labels.get(name);
    if (!l) {
      l = asm.label(name);
      labels.set(name, l);
    }
    return l;
  };
  for (const op of ops) {
    switch (op.op) {
      case 'label':
        asm.bind(label(op.name));
        break;
      case 'ld':
        asm.ldAbs(op.offset);
        break;
      case 'and':
        asm.and(op.k >>> 0);
        break;
      case 'jump':
        asm[op.cmp](op.k >>> 0, label(op.whenTrue), label(op.whenFalse));
        break;
      case 'goto':
        asm.ja(label(op.target));
        break;
      case 'ret':
        asm.ret(op.k >>> 0);
        break;
    }
  }
  return asm.assemble();
}

/** The program as the kernel takes it: struct sock_filter[]. */
export function encodeFilter(ops: readonly FilterOp[]): Uint8Array {
  return encode(assembleFilter(ops));
}
