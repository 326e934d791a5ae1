/** The few ELF header fields (elf.h) that tell which emulation runs an executable. */

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const ELFOSABI_SYSV = 0;
export const ELFOSABI_LINUX = 3;
export const EM_386 = 3;
export const EM_X86_64 = 62;

export interface ElfIdent {
  readonly class: number;
  readonly data: number;
  readonly osabi: number;
  readonly machine: number;
}

/** e_ident and e_machine of an ELF header, or undefined when the bytes are not one. */
export function readElfIdent(header: Uint8Array): ElfIdent | undefined {
  if (header.length < 20) return undefined;
  if (header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) return undefined;
  const data = header[5];
  const machine = data === ELFDATA2MSB ? (header[18] << 8) | header[19] : header[18] | (header[19] << 8);
  return { class: header[4], data, osabi: header[7], machine };
}
