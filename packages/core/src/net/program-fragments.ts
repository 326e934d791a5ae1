/** Pieces every address program shares: matching a word (or four) against the jail list, and verdicts. */
import { type EbpfAssembler, type EbpfReg, ebpf, errnoNumber } from '@sysjail/systrace-bindings';
import {
  IN6ADDR_LOOPBACK_WORDS,
  INADDR_LOOPBACK_WORD,
  type Ip6Words,
  sameIp6,
  V4MAPPED_WORD2,
} from './address-words.js';

const { BPF_JEQ, BPF_JNE, BPF_REG_0, BPF_REG_1, BPF_W } = ebpf;

/** goto `match` if (u32)reg is one of `words`. JMP32: no sign extension of words >= 0x80000000. */
export function emitMatch4(a: EbpfAssembler, reg: EbpfReg, words: readonly number[], match: string): void {
  for (const w of words) a.jmp32Imm(BPF_JEQ, reg, w, match);
}

/** goto `match` if the four registers hold one of `addrs`; falls through otherwise. */
export function emitMatch6(
  a: EbpfAssembler,
  regs: readonly [EbpfReg, EbpfReg, EbpfReg, EbpfReg],
  addrs: readonly Ip6Words[],
  match: string,
): void {
  for (const w of addrs) {
    const next = a.newLabel('next6');
    for (let k = 0; k < 3; k++) a.jmp32Imm(BPF_JNE, regs[k], w[k], next);
    a.jmp32Imm(BPF_JEQ, regs[3], w[3], match);
    a.label(next);
  }
}

/** Load four u32 words from base + off into regs. */
export function emitLoad6(
  a: EbpfAssembler,
  regs: readonly [EbpfReg, EbpfReg, EbpfReg, EbpfReg],
  base: EbpfReg,
  off: number,
): void {
  regs.forEach((r, k) => {
    a.emit(ebpf.ldxMem(BPF_W, r, base, off + 4 * k));
  });
}

/** Store one word into ctx through a scratch register (stores of immediates into ctx are avoided). */
export function emitStoreWord(
  a: EbpfAssembler,
  ctx: EbpfReg,
  off: number,
  word: number,
  scratch: EbpfReg,
): void {
  a.emit(ebpf.mov32Imm(scratch, word), ebpf.stxMem(BPF_W, ctx, scratch, off));
}

/** Store an IPv6 address (four words) into ctx at `off`. */
export function emitStore6(
  a: EbpfAssembler,
  ctx: EbpfReg,
  off: number,
  words: Ip6Words,
  scratch: EbpfReg,
): void {
  for (let k = 0; k < 4; k++) emitStoreWord(a, ctx, off + 4 * k, words[k], scratch);
}

/** return 1: the operation goes on. */
export function emitAllow(a: EbpfAssembler): void {
  a.emit(ebpf.mov64Imm(BPF_REG_0, 1), ebpf.exit());
}

/**
 * return 0 after bpf_set_retval(-errno): the system call fails with that errno instead of EPERM.
 * Without an errno, plain return 0 (EPERM).
 */
export function emitRefuse(a: EbpfAssembler, errno?: string): void {
  if (errno !== undefined) {
    a.emit(ebpf.mov64Imm(BPF_REG_1, -errnoNumber(errno)), ebpf.call(ebpf.BPF_FUNC_set_retval));
  }
  a.emit(ebpf.mov64Imm(BPF_REG_0, 0), ebpf.exit());
}

/**
 * The IPv4 destination of a connect or sendmsg, at ctx.user_ip4 of ctxReg: 127.0.0.1 (unless a jail
 * address itself) is rewritten to the primary jail address; then goto `next`. Uses `reg` and `scratch`.
 */
export function emitDestination4(
  a: EbpfAssembler,
  reg: EbpfReg,
  scratch: EbpfReg,
  ctxReg: EbpfReg,
  userIp4: number,
  ipv4: readonly number[],
  next: string,
): void {
  if (!ipv4.includes(INADDR_LOOPBACK_WORD)) {
    a.emit(ebpf.ldxMem(BPF_W, reg, ctxReg, userIp4));
    a.jmp32Imm(BPF_JNE, reg, INADDR_LOOPBACK_WORD, next);
    emitStoreWord(a, ctxReg, userIp4, ipv4[0], scratch);
  }
  a.label(next);
}

/**
 * The IPv6 destination of a connect or sendmsg, at ctx.user_ip6 of ctxReg: a v4-mapped one goes to
 * 'refuse'; ::1 (unless a jail address itself) is rewritten to the primary jail address; then goto `next`.
 */
export function emitDestination6(
  a: EbpfAssembler,
  regs: readonly [EbpfReg, EbpfReg, EbpfReg, EbpfReg],
  ctxReg: EbpfReg,
  userIp6: number,
  ipv6: readonly Ip6Words[],
  next: string,
): void {
  emitLoad6(a, regs, ctxReg, userIp6);
  a.jmp32Imm(BPF_JNE, regs[0], 0, 'loopback');
  a.jmp32Imm(BPF_JNE, regs[1], 0, 'loopback');
  a.jmp32Imm(BPF_JEQ, regs[2], V4MAPPED_WORD2, 'refuse');
  a.label('loopback');
  if (!ipv6.some((w) => sameIp6(w, IN6ADDR_LOOPBACK_WORDS))) {
    emitMatch6(a, regs, [IN6ADDR_LOOPBACK_WORDS], 'rewrite');
    a.ja(next);
    a.label('rewrite');
    emitStore6(a, ctxReg, userIp6, ipv6[0], regs[0]);
  }
  a.label(next);
}
