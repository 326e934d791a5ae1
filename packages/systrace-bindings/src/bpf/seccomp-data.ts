// struct seccomp_data as the filter sees it: { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }.

import { SECCOMP_DATA_ARGS, SECCOMP_DATA_SIZE } from './constants.js';
import { BpfDecodeError } from './errors.js';

export interface SeccompDataInput {
  /** System call number (as the kernel's int; x32 calls carry __X32_SYSCALL_BIT). */
  readonly nr: number;
  /** AUDIT_ARCH_* of the calling ABI. */
  readonly arch: number;
  readonly instructionPointer: bigint;
  /** The six argument registers, 64 bits each; missing ones read as 0. */
  readonly args: readonly bigint[];
}

/** 32-bit words of a seccomp_data, little-endian order: the only thing BPF_LD|BPF_W|BPF_ABS can read. */
export const SECCOMP_DATA_WORDS = SECCOMP_DATA_SIZE / 4;

/** Writes seccomp_data's 64 bytes, little endian, at the start of `view`. */
export function writeSeccompData(view: DataView, data: SeccompDataInput): void {
  view.setInt32(0, data.nr, true);
  view.setUint32(4, data.arch, true);
  // setBigUint64 wraps modulo 2^64: negative arguments become their register value.
  view.setBigUint64(8, data.instructionPointer, true);
  for (let i = 0; i < SECCOMP_DATA_ARGS; i++) view.setBigUint64(16 + 8 * i, data.args[i] ?? 0n, true);
}

/** Fills `out` (16 words) with seccomp_data's words, in the order BPF_LD|BPF_W|BPF_ABS sees them. */
export function seccompDataWords(
  data: SeccompDataInput,
  out = new Uint32Array(SECCOMP_DATA_WORDS),
): Uint32Array {
  const bytes = new Uint8Array(SECCOMP_DATA_SIZE);
  writeSeccompData(new DataView(bytes.buffer), data);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < SECCOMP_DATA_WORDS; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

/** The 64 bytes the kernel passes (little endian), e.g. from struct seccomp_notif.data. */
export function seccompDataBytes(data: SeccompDataInput): Uint8Array {
  const bytes = new Uint8Array(SECCOMP_DATA_SIZE);
  writeSeccompData(new DataView(bytes.buffer), data);
  return bytes;
}

/** Parses 64 little-endian bytes of struct seccomp_data. */
export function seccompDataFromBytes(bytes: Uint8Array): SeccompDataInput {
  if (bytes.length < SECCOMP_DATA_SIZE) {
    throw new BpfDecodeError(`seccomp_data is ${SECCOMP_DATA_SIZE} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, SECCOMP_DATA_SIZE);
  const args: bigint[] = [];
  for (let i = 0; i < SECCOMP_DATA_ARGS; i++) args.push(view.getBigUint64(16 + 8 * i, true));
  return {
    nr: view.getInt32(0, true),
    arch: view.getUint32(4, true),
    instructionPointer: view.getBigUint64(8, true),
    args,
  };
}
