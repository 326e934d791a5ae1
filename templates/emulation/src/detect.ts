// Which executables this emulation runs, from their first bytes. The cli asks every emulation's detect
// (emulations with a loader first, then the native one first) and takes the first that says yes; so
// __NAME__ claims what no other emulation claims: x86_64 ELF files whose OS/ABI byte is 255
// (ELFOSABI_STANDALONE), which Linux runs as any ELF file. Brand a program with
// `printf '\377' | dd of=PROGRAM bs=1 seek=7 conv=notrunc`; or choose the emulation by name
// (sysjail --emulation __NAME__).
import { readElfIdent } from '@sysjail/emul-linux';

/** elf.h: the OS/ABI byte, the class and the machine this emulation runs. */
export const ELFOSABI_STANDALONE = 255;
export const ELFCLASS64 = 2;
export const EM_X86_64 = 62;

export function detect__NAME__(header: Uint8Array): boolean {
  const elf = readElfIdent(header);
  return (
    elf !== undefined &&
    elf.osabi === ELFOSABI_STANDALONE &&
    elf.class === ELFCLASS64 &&
    elf.machine === EM_X86_64
  );
}
