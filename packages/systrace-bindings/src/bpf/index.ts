// Classic BPF for seccomp filters: constants, instructions, an assembler with labels and trampolines,
// encoding, a disassembler, the kernel's validation and an interpreter. Pure TypeScript.

export * from './action.js';
export * from './assembler.js';
export * from './compiler.js';
export * from './constants.js';
export * from './disassembler.js';
export * from './encoding.js';
export * from './errors.js';
export * from './instruction.js';
export * from './interpreter.js';
export * from './label.js';
export * from './seccomp-data.js';
export * from './source-files.js';
export * from './validator.js';
