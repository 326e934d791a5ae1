// The `ebpf` namespace: opcodes, instruction constructors and UAPI constants under one name, since classic
// BPF (../bpf) exports the shared names (BPF_LD, BPF_W, BPF_JEQ ...) flat.

export * from './insn.js';
export * from './opcodes.js';
export * from './uapi.js';
