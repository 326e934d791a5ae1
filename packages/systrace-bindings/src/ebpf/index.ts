// eBPF: opcodes, instructions, a label assembler, and bpf(2) for cgroup programs.
export * from './opcodes.js';
export * from './insn.js';
export * from './assembler.js';
export * from './uapi.js';
export * from './bpf.js';
export * from './load-error.js';
