// struct sock_filter <-> bytes: 8 bytes per instruction, little endian (u16 code, u8 jt, u8 jf, u32 k).
import { BpfDecodeError } from './errors.js';
import type { Instruction, Program } from './instruction.js';

/** Bytes of one struct sock_filter. */
const SOCK_FILTER_SIZE = 8;

/** The program as the array a struct sock_fprog points to. */
export function encode(program: Program): Uint8Array {
  const bytes = new Uint8Array(program.length * SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < program.length; i++) {
    const { code, jt, jf, k } = program[i];
    const at = i * SOCK_FILTER_SIZE;
    view.setUint16(at, code, true);
    view.setUint8(at + 2, jt);
    view.setUint8(at + 3, jf);
    view.setUint32(at + 4, k >>> 0, true);
  }
  return bytes;
}

/** Instructions from a struct sock_filter array. */
export function decode(bytes: Uint8Array): Instruction[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    throw new BpfDecodeError(`${bytes.length} bytes is not a multiple of ${SOCK_FILTER_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const program: Instruction[] = [];
  for (let at = 0; at < bytes.length; at += SOCK_FILTER_SIZE) {
    program.push({
      code: view.getUint16(at, true),
      jt: view.getUint8(at + 2),
      jf: view.getUint8(at + 3),
      k: view.getUint32(at + 4, true),
    });
  }
  return program;
}
