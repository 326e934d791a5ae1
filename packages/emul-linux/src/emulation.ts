/** The Linux emulation: native x86_64 plus i386 (`int 0x80`); x32 refused. */
import type { Emulation } from '@sysjail/core';
import { x32Arch } from './arch.js';
import {
  ELFCLASS32,
  ELFCLASS64,
  ELFOSABI_LINUX,
  ELFOSABI_SYSV,
  EM_386,
  EM_X86_64,
  readElfIdent,
} from './elf.js';
import { linuxErrno } from './errno.js';
import { handlers } from './handlers.js';
import { linuxJailPolicy } from './policy.js';
import { linuxArgumentName } from './policy-table.js';
import { i386 } from './tables/i386.js';
import { x86_64 } from './tables/x86_64.js';

/**
 * True for the ELF executables this emulation runs: OSABI SYSV or LINUX, x86_64 (ELFCLASS64) or i386
 * (ELFCLASS32). An x32 binary (ELFCLASS32 with EM_X86_64) is not: its ABI is refused.
 */
export function detectLinuxElf(header: Uint8Array): boolean {
  const elf = readElfIdent(header);
  if (!elf) return false;
  if (elf.osabi !== ELFOSABI_SYSV && elf.osabi !== ELFOSABI_LINUX) return false;
  return (
    (elf.class === ELFCLASS64 && elf.machine === EM_X86_64) ||
    (elf.class === ELFCLASS32 && elf.machine === EM_386)
  );
}

/**
 * The built handler module the supervisor thread imports (dist/, from src/ in this package's tests too:
 * a worker loads JavaScript).
 */
export const linuxHandlersModule = new URL('../dist/handlers.js', import.meta.url).href;

/**
 * In the cli's bundles (esbuild's define): a SHA-256 of core's emulationTablesText of this emulation as the
 * bundle's build imported it, from the files the bundle's copy is made of. Elsewhere not defined.
 */
declare const __sysjailLinuxTablesDigest: string | undefined;

export const linux: Emulation = {
  name: 'linux',
  description: 'Linux x86_64 and i386 binaries on the Linux kernel (x32 refused)',
  tables: [x86_64, i386],
  refusedArchitectures: [x32Arch],
  errno: linuxErrno,
  policy: linuxJailPolicy,
  handlers: { module: linuxHandlersModule, names: Object.keys(handlers) },
  detect: detectLinuxElf,
  argumentName: linuxArgumentName,
  ...(typeof __sysjailLinuxTablesDigest === 'string' ? { tablesDigest: __sysjailLinuxTablesDigest } : {}),
};
