export {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  i386Arch,
  X32_SYSCALL_BIT,
  x32Arch,
  x86_64Arch,
} from './arch.js';
export * as constants from './constants.js';
export type { ElfIdent } from './elf.js';
export { readElfIdent } from './elf.js';
export { detectLinuxElf, linux, linuxHandlersModule } from './emulation.js';
export { linuxErrno } from './errno.js';
export { handlers as linuxHandlers } from './handlers.js';
export { forbiddenCalls, linuxJailPolicy, sysvIpcCalls } from './policy.js';
export { linuxArgumentName, policyTable } from './policy-table.js';
export type { Signature } from './signatures.js';
export { signatures } from './signatures.js';
export { i386 } from './tables/i386.js';
export { x86_64 } from './tables/x86_64.js';
