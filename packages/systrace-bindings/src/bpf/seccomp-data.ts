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

const MASK32 = 0xffffffffn;

/** Fills `out` (16 words) with seccomp_data's little-endian words. */
export function seccompDataWords(
  data: SeccompDataInput,
  out = new Uint32Array(SECCOMP_DATA_WORDS),
): Uint32Array {
  out[0] = data.nr;
  out[1] = data.arch;
  const ip = data.instructionPointer;
  out[2] = Number(ip & MASK32);
  out[3] = Number((ip >> 32n) & MASK32);
  for (let i = 0; i < SECCOMP_DATA_ARGS; i++) {
    const arg = data.args[i] ?? 0n;
    out[4 + 2 * i] = Number(arg & MASK32);
    out[5 + 2 * i] = Number((arg >> 32n) & MASK32);
  }
  return out;
}

/** The 64 bytes the kernel passes (little endian), e.g. from struct seccomp_notif.data. */
export function seccompDataBytes(data: SeccompDataInput): Uint8Array {
  const words = seccompDataWords(data);
  const bytes = new Uint8Array(SECCOMP_DATA_SIZE);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < SECCOMP_DATA_WORDS; i++) view.setUint32(4 * i, words[i], true);
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
