// eBPF: opcodes, instructions, a label assembler, and bpf(2) for cgroup programs.
// Opcodes, constructors (ebpf.mov64Imm ...) and UAPI constants are in the `ebpf` namespace.
export * as ebpf from './ebpf.js';
export type { EbpfInsn } from './insn.js';
export type { EbpfReg, EbpfSize, EbpfAluOp, EbpfJmpOp } from './opcodes.js';
export { EbpfAssembler } from './assembler.js';
export * from './bpf.js';
export * from './load-error.js';
