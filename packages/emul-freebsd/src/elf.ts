/** Is an ELF header FreeBSD's? By its OSABI byte, or by a FreeBSD ABI note within the bytes given. */
import { ELFOSABI_FREEBSD } from './constants.js';

const PT_NOTE = 4;
const NT_FREEBSD_ABI_TAG = 1;

/** True for a FreeBSD ELF executable: EI_OSABI 9, or (OSABI 0) a PT_NOTE "FreeBSD" ABI tag inside `header`. */
export function isFreebsdElf(header: Uint8Array): boolean {
  if (
    header.length < 20 ||
    header[0] !== 0x7f ||
    header[1] !== 0x45 ||
    header[2] !== 0x4c ||
    header[3] !== 0x46
  )
    return false;
  if (header[7] === ELFOSABI_FREEBSD) return true;
  return header[7] === 0 && hasFreebsdNote(header);
}

function hasFreebsdNote(h: Uint8Array): boolean {
  const is64 = h[4] === 2;
  const little = h[5] === 1;
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const u16 = (o: number) => view.getUint16(o, little);
  const u32 = (o: number) => view.getUint32(o, little);
  const word = (o: number) => (is64 ? Number(view.getBigUint64(o, little)) : u32(o));
  if (h.length < (is64 ? 64 : 52)) return false;
  const phoff = word(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > h.length) return false;
    if (u32(ph) !== PT_NOTE) continue;
    const offset = word(is64 ? ph + 8 : ph + 4);
    const size = word(is64 ? ph + 32 : ph + 16);
    for (let n = offset; n + 12 <= Math.min(offset + size, h.length); ) {
      const namesz = u32(n);
      const descsz = u32(n + 4);
      const type = u32(n + 8);
      const name = new TextDecoder().decode(h.subarray(n + 12, Math.min(n + 12 + namesz, h.length)));
      if (type === NT_FREEBSD_ABI_TAG && name === 'FreeBSD\0') return true;
      n += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
    }
  }
  return false;
}
