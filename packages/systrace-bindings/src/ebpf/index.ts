// eBPF: opcodes, instructions, a label assembler, and bpf(2) for cgroup programs.
// Opcodes, constructors (ebpf.mov64Imm ...) and UAPI constants are in the `ebpf` namespace.

export { EbpfAssembler } from './assembler.js';
export * from './bpf.js';
export * as ebpf from './ebpf.js';
export type { EbpfInsn } from './insn.js';
export * from './load-error.js';
export type { EbpfAluOp, EbpfJmpOp, EbpfReg, EbpfSize } from './opcodes.js';
