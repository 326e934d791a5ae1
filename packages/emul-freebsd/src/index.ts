export { amd64Arch } from './arch.js';
export * as constants from './constants.js';
export { isFreebsdElf } from './elf.js';
export { freebsd, freebsdLoaderPath, freebsdVictimPath } from './emulation.js';
export { freebsdErrno } from './errno.js';
export { generateLoaderTables, refusedCalls, sysctlOids } from './loader-tables.js';
export { forbiddenCalls, freebsdJailPolicy, sysvIpcCalls } from './policy.js';
export { amd64 } from './tables/amd64.js';
export * as translation from './translation.js';
