// Test support: random seccomp decision trees over nr/arch/args words, their assembly, and an independent
// reference evaluation (BigInt arithmetic, written apart from the interpreter). Used by the property tests;
// not exported from the package. fast-check is passed in, so this module has no runtime dependency on it.
import type * as FastCheck from 'fast-check';
import { BpfAssembler } from '../assembler.js';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF_ADD,
  BPF_AND,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JSET,
  BPF_LSH,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
} from '../constants.js';
import type { Instruction } from '../instruction.js';
import type { BpfLabel } from '../label.js';
import type { SeccompDataInput } from '../seccomp-data.js';

export type Field =
  | { readonly kind: 'nr' }
  | { readonly kind: 'arch' }
  | { readonly kind: 'argLow'; readonly i: number }
  | { readonly kind: 'argHigh'; readonly i: number };

export type AluName = 'add' | 'sub' | 'mul' | 'div' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh';

export type Step =
  | { readonly op: 'alu'; readonly alu: AluName; readonly src: 'K' | 'X'; readonly k: number }
  | { readonly op: 'neg' }
  | { readonly op: 'ldxImm'; readonly k: number }
  | { readonly op: 'ldxLen' }
  | { readonly op: 'tax' }
  | { readonly op: 'txa' }
  | { readonly op: 'st'; readonly slot: number }
  | { readonly op: 'stx'; readonly slot: number }
  | { readonly op: 'ldMem'; readonly slot: number }
  | { readonly op: 'ldxMem'; readonly slot: number }
  | { readonly op: 'ldField'; readonly field: Field };

export type JumpName = 'jeq' | 'jgt' | 'jge' | 'jset';

export type Node =
  | {
      readonly kind: 'ret';
      readonly value: number;
      /** Emitted as `A = value; return A`. */
      readonly viaA: boolean;
      /** Reached through a label shared by every return of this value, bound at the end of the program. */
      readonly shared: boolean;
    }
  | {
      readonly kind: 'test';
      readonly field: Field;
      readonly steps: readonly Step[];
      readonly jump: JumpName;
      readonly src: 'K' | 'X';
      readonly k: number;
      /** Filler instructions before the false branch: makes the true branch's jump long. */
      readonly pad: number;
      readonly onTrue: Node;
      readonly onFalse: Node;
    };

export interface TreeOptions {
  /** Lowest syscall number the tree decides on (the prelude allows everything below it). */
  readonly nrBase: number;
  /** Number of syscall numbers in the tested range. */
  readonly nrCount: number;
  /** Allow BPF_DIV|BPF_X (a zero X makes the kernel return 0: SECCOMP_RET_KILL_THREAD). */
  readonly divX: boolean;
  /** Errno data never returned (e.g. ENOSYS, to tell ERRNO from ALLOW of an unknown nr). */
  readonly avoidErrno: number;
  /** Largest pad; pads above 255 force trampolines. */
  readonly maxPad: number;
}

const aluOps: Record<AluName, number> = {
  add: BPF_ADD,
  sub: BPF_SUB,
  mul: BPF_MUL,
  div: BPF_DIV,
  and: BPF_AND,
  or: BPF_OR,
  xor: BPF_XOR,
  lsh: BPF_LSH,
  rsh: BPF_RSH,
};
const jumpOps: Record<JumpName, number> = { jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET };

/** Words worth comparing with: boundaries of 32-bit arithmetic and of the tested ranges. */
export function interestingWords(options: TreeOptions): number[] {
  return [
    0,
    1,
    2,
    0x7fffffff,
    0x80000000,
    0xfffffffe,
    0xffffffff,
    options.nrBase,
    options.nrBase + 1,
    AUDIT_ARCH_X86_64,
    AUDIT_ARCH_I386,
  ];
}

export function treeArbitrary(fc: typeof FastCheck, options: TreeOptions): FastCheck.Arbitrary<Node> {
  const word = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...interestingWords(options)) },
    { weight: 2, arbitrary: fc.integer({ min: options.nrBase, max: options.nrBase + options.nrCount - 1 }) },
    { weight: 3, arbitrary: fc.nat({ max: 0xffffffff }) },
    { weight: 2, arbitrary: fc.nat({ max: 64 }) },
  );
  const field: FastCheck.Arbitrary<Field> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'nr' } as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'arch' } as const) },
    { weight: 4, arbitrary: fc.nat({ max: 5 }).map((i) => ({ kind: 'argLow', i }) as const) },
    { weight: 3, arbitrary: fc.nat({ max: 5 }).map((i) => ({ kind: 'argHigh', i }) as const) },
  );
  const slot = fc.nat({ max: 15 });
  const aluNames = Object.keys(aluOps) as AluName[];
  const alu: FastCheck.Arbitrary<Step> = fc
    .record({ alu: fc.constantFrom(...aluNames), src: fc.constantFrom('K' as const, 'X' as const), k: word })
    .filter((s) => s.src === 'K' || s.alu !== 'div' || options.divX)
    .map((s) => {
      // Constants the kernel refuses are not generated: division by 0, shifts >= 32.
      const k =
        s.src === 'X' ? 0 : s.alu === 'div' ? s.k || 1 : s.alu === 'lsh' || s.alu === 'rsh' ? s.k & 31 : s.k;
      return { op: 'alu', alu: s.alu, src: s.src, k } as const;
    });
  const step: FastCheck.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: alu },
    { weight: 1, arbitrary: fc.constant({ op: 'neg' } as const) },
    { weight: 2, arbitrary: word.map((k) => ({ op: 'ldxImm', k }) as const) },
    { weight: 1, arbitrary: fc.constant({ op: 'ldxLen' } as const) },
    { weight: 1, arbitrary: fc.constant({ op: 'tax' } as const) },
    { weight: 1, arbitrary: fc.constant({ op: 'txa' } as const) },
    { weight: 1, arbitrary: slot.map((s) => ({ op: 'st', slot: s }) as const) },
    { weight: 1, arbitrary: slot.map((s) => ({ op: 'stx', slot: s }) as const) },
    { weight: 1, arbitrary: slot.map((s) => ({ op: 'ldMem', slot: s }) as const) },
    { weight: 1, arbitrary: slot.map((s) => ({ op: 'ldxMem', slot: s }) as const) },
    { weight: 1, arbitrary: field.map((f) => ({ op: 'ldField', field: f }) as const) },
  );
  // A scratch word is read only after this node stored it (the kernel's check_load_and_stores).
  const steps = fc.array(step, { maxLength: 4 }).map((list) => {
    const stored = new Set<number>();
    return list.map((s): Step => {
      if (s.op === 'st' || s.op === 'stx') stored.add(s.slot);
      if ((s.op === 'ldMem' || s.op === 'ldxMem') && !stored.has(s.slot)) {
        stored.add(s.slot);
        return { op: s.op === 'ldMem' ? 'st' : 'stx', slot: s.slot };
      }
      return s;
    });
  });
  const errno = fc
    .oneof(fc.nat({ max: 200 }), fc.nat({ max: 0xffff }))
    .map((e) => (e === options.avoidErrno ? e + 1 : e));
  const ret: FastCheck.Arbitrary<Node> = fc.record({
    kind: fc.constant('ret' as const),
    value: fc.oneof(
      { weight: 1, arbitrary: fc.constant(SECCOMP_RET_ALLOW) },
      { weight: 3, arbitrary: errno.map((e) => (SECCOMP_RET_ERRNO | e) >>> 0) },
    ),
    viaA: fc.boolean(),
    shared: fc.boolean(),
  });
  const pad = fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 240, max: options.maxPad }) },
  );
  const { test } = fc.letrec<{ tree: Node; test: Node }>((tie) => ({
    tree: fc.oneof({ depthSize: 'medium', withCrossShrink: true }, ret, tie('test')),
    test: fc.record({
      kind: fc.constant('test' as const),
      field,
      steps,
      jump: fc.constantFrom<JumpName>('jeq', 'jgt', 'jge', 'jset'),
      src: fc.constantFrom('K' as const, 'X' as const),
      k: word,
      pad,
      onTrue: tie('tree'),
      onFalse: tie('tree'),
    }),
  }));
  return test.filter((t) => treeSize(t) < 3000);
}

function treeSize(node: Node): number {
  return node.kind === 'ret'
    ? 2
    : 8 + node.steps.length + node.pad + treeSize(node.onTrue) + treeSize(node.onFalse);
}

/** Every constant in the tree's tests, to build inputs that hit the branches. */
export function treeConstants(node: Node, out = new Set<number>()): Set<number> {
  if (node.kind === 'test') {
    out.add(node.k);
    for (const s of node.steps) if ((s.op === 'alu' && s.src === 'K') || s.op === 'ldxImm') out.add(s.k);
    treeConstants(node.onTrue, out);
    treeConstants(node.onFalse, out);
  }
  return out;
}

function loadField(asm: BpfAssembler, field: Field): void {
  if (field.kind === 'nr') asm.ldNr();
  else if (field.kind === 'arch') asm.ldArch();
  else if (field.kind === 'argLow') asm.ldArgLow(field.i);
  else asm.ldArgHigh(field.i);
}

function emitStep(asm: BpfAssembler, s: Step): void {
  switch (s.op) {
    case 'alu':
      asm.alu(aluOps[s.alu], s.src === 'X' ? 'X' : s.k);
      return;
    case 'neg':
      asm.neg();
      return;
    case 'ldxImm':
      asm.ldxImm(s.k);
      return;
    case 'ldxLen':
      asm.ldxLen();
      return;
    case 'tax':
      asm.tax();
      return;
    case 'txa':
      asm.txa();
      return;
    case 'st':
      asm.st(s.slot);
      return;
    case 'stx':
      asm.stx(s.slot);
      return;
    case 'ldMem':
      asm.ldMem(s.slot);
      return;
    case 'ldxMem':
      asm.ldxMem(s.slot);
      return;
    case 'ldField':
      loadField(asm, s.field);
  }
}

/**
 * The filter: `if (nr < nrBase) return ALLOW` (everything the test program itself needs), then the tree;
 * shared returns are bound once at the end.
 */
export function assembleTree(tree: Node, options: TreeOptions): Instruction[] {
  const asm = new BpfAssembler();
  const shared = new Map<number, BpfLabel>();
  const sharedLabel = (value: number): BpfLabel => {
    let label = shared.get(value);
    if (!label) {
      label = asm.label(`ret_${value.toString(16)}`);
      shared.set(value, label);
    }
    return label;
  };
  const emitRet = (node: Extract<Node, { kind: 'ret' }>) => {
    if (node.viaA) asm.ldImm(node.value).retA();
    else asm.ret(node.value);
  };
  const emit = (node: Node): void => {
    if (node.kind === 'ret') {
      if (node.shared) asm.ja(sharedLabel(node.value));
      else emitRet(node);
      return;
    }
    loadField(asm, node.field);
    for (const s of node.steps) emitStep(asm, s);
    const thenShared = node.onTrue.kind === 'ret' && node.onTrue.shared;
    const elseShared = node.onFalse.kind === 'ret' && node.onFalse.shared;
    const thenLabel = thenShared ? sharedLabel((node.onTrue as { value: number }).value) : asm.label('then');
    const elseTarget = elseShared ? sharedLabel((node.onFalse as { value: number }).value) : undefined;
    asm.jump(jumpOps[node.jump], node.src === 'X' ? 'X' : node.k, thenLabel, elseTarget);
    if (!elseShared) {
      for (let i = 0; i < node.pad; i++) asm.st(15);
      emit(node.onFalse);
    }
    if (!thenShared) {
      asm.bind(thenLabel);
      emit(node.onTrue);
    }
  };
  asm.ldNr().jlt(options.nrBase, 'allow');
  emit(tree);
  asm.bind('allow').ret(SECCOMP_RET_ALLOW);
  for (const [value, label] of shared) asm.bind(label).ret(value);
  return asm.assemble();
}

const MASK = 0xffffffffn;

function fieldValue(data: SeccompDataInput, field: Field): bigint {
  if (field.kind === 'nr') return BigInt(data.nr) & MASK;
  if (field.kind === 'arch') return BigInt(data.arch) & MASK;
  const arg = BigInt.asUintN(64, data.args[field.i] ?? 0n);
  return field.kind === 'argLow' ? arg & MASK : arg >> 32n;
}

/** What the tree decides for this seccomp_data, by direct evaluation. */
export function evaluateTree(tree: Node, options: TreeOptions, data: SeccompDataInput): number {
  if ((BigInt(data.nr) & MASK) < BigInt(options.nrBase)) return SECCOMP_RET_ALLOW;
  let a = 0n;
  let x = 0n;
  const mem: bigint[] = new Array(16).fill(0n);
  let node = tree;
  for (;;) {
    if (node.kind === 'ret') return node.value;
    a = fieldValue(data, node.field);
    for (const s of node.steps) {
      switch (s.op) {
        case 'alu': {
          const v = s.src === 'X' ? x : BigInt(s.k);
          if (s.alu === 'add') a = (a + v) & MASK;
          else if (s.alu === 'sub') a = (a - v) & MASK;
          else if (s.alu === 'mul') a = (a * v) & MASK;
          else if (s.alu === 'div') {
            if (v === 0n) return 0;
            a = a / v;
          } else if (s.alu === 'and') a &= v;
          else if (s.alu === 'or') a |= v;
          else if (s.alu === 'xor') a ^= v;
          else if (s.alu === 'lsh') a = (a << (v % 32n)) & MASK;
          else a = a >> (v % 32n);
          break;
        }
        case 'neg':
          a = (MASK + 1n - a) & MASK;
          break;
        case 'ldxImm':
          x = BigInt(s.k);
          break;
        case 'ldxLen':
          x = 64n;
          break;
        case 'tax':
          x = a;
          break;
        case 'txa':
          a = x;
          break;
        case 'st':
          mem[s.slot] = a;
          break;
        case 'stx':
          mem[s.slot] = x;
          break;
        case 'ldMem':
          a = mem[s.slot];
          break;
        case 'ldxMem':
          x = mem[s.slot];
          break;
        case 'ldField':
          a = fieldValue(data, s.field);
      }
    }
    const v = node.src === 'X' ? x : BigInt(node.k);
    const taken =
      node.jump === 'jeq'
        ? a === v
        : node.jump === 'jgt'
          ? a > v
          : node.jump === 'jge'
            ? a >= v
            : (a & v) !== 0n;
    if (node.pad > 0 && !taken) mem[15] = a;
    node = taken ? node.onTrue : node.onFalse;
  }
}

/** Inputs for a tree: syscall numbers in range, arch, and argument words drawn from the tree's constants. */
export function inputsArbitrary(
  fc: typeof FastCheck,
  tree: Node,
  options: TreeOptions,
  arch: number,
  count: number,
  wide: boolean,
): FastCheck.Arbitrary<SeccompDataInput[]> {
  const consts = [...treeConstants(tree), ...interestingWords(options)];
  const near = fc
    .tuple(fc.constantFrom(...consts), fc.integer({ min: -1, max: 1 }))
    .map(([c, d]) => (c + d) >>> 0);
  const w = fc.oneof({ weight: 4, arbitrary: near }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) });
  const arg = wide
    ? fc.tuple(w, w).map(([lo, hi]) => (BigInt(hi) << 32n) | BigInt(lo))
    : w.map((lo) => BigInt(lo));
  const input = fc.record({
    nr: fc.integer({ min: options.nrBase, max: options.nrBase + options.nrCount - 1 }),
    arch: fc.constant(arch),
    instructionPointer: fc.constant(0n),
    args: fc.array(arg, { minLength: 6, maxLength: 6 }),
  });
  return fc.array(input, { minLength: count, maxLength: count });
}
