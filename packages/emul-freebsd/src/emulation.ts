/** The FreeBSD emulation: FreeBSD amd64 programs run under sysjail-freebsd, a user-space system-call layer. */
import { fileURLToPath } from 'node:url';
import type { Emulation } from '@sysjail/core';
import { ELFOSABI_FREEBSD } from './constants.js';
import { isFreebsdElf } from './elf.js';
import { freebsdErrno } from './errno.js';
import { handlers } from './handlers.js';
import { freebsdJailPolicy } from './policy.js';
import { amd64 } from './tables/amd64.js';

/** The loader, built by this package (scripts/build-native.mjs). */
export const freebsdLoaderPath = fileURLToPath(new URL('../dist/native/sysjail-freebsd', import.meta.url));
/** A freestanding FreeBSD program of raw FreeBSD system calls that tries what a jail refuses (victim/). */
export const freebsdVictimPath = fileURLToPath(new URL('../dist/native/freebsd-victim', import.meta.url));

/** The built handler module the supervisor thread imports (dist/, also from src/ in tests). */
export const freebsdHandlersModule = new URL('../dist/handlers.js', import.meta.url).href;

/**
 * In the cli's bundles (esbuild's define): a SHA-256 of core's emulationTablesText of this emulation as the
 * bundle's build imported it, from the files the bundle's copy is made of. Elsewhere not defined.
 */
declare const __sysjailFreebsdTablesDigest: string | undefined;

export const freebsd: Emulation = {
  name: 'freebsd',
  description:
    'FreeBSD amd64 static programs, run by sysjail-freebsd (system calls translated in the process)',
  tables: [amd64],
  refusedArchitectures: [],
  errno: freebsdErrno,
  policy: freebsdJailPolicy,
  handlers: { module: freebsdHandlersModule, names: Object.keys(handlers) },
  detect: isFreebsdElf,
  loader: freebsdLoaderPath,
  // ELF with EI_OSABI 9, any class, byte order and machine: the loader runs amd64 ones and refuses the
  // others with one line. FreeBSD programs branded only by their ABI note (OSABI 0) do not match.
  binfmt: {
    offset: 0,
    magic: Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, ELFOSABI_FREEBSD),
    mask: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff),
  },
  ...(typeof __sysjailFreebsdTablesDigest === 'string' ? { tablesDigest: __sysjailFreebsdTablesDigest } : {}),
};
