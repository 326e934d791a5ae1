// @sysjail/systrace-bindings: the kernel interface of sysjail, through koffi.
export * from './errors.js';
export * from './syscall.js';
export * from './sysno.js';
export * from './c-string.js';
export { addressOf, lastErrno } from './libc.js';
export * from './ebpf/index.js';
