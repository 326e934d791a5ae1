/**
 * BPF_CGROUP_INET4_BIND / INET6_BIND: a jail address is kept; the wildcard and the loopback address
 * become the primary jail address; anything else (v4-mapped included) fails with EADDRNOTAVAIL. With
 * rootBindsReservedPorts, an allowed bind by real uid 0 returns 3 (allowed, and bit 1: the kernel skips
 * its CAP_NET_BIND_SERVICE check for ports below 1024).
 */
import { EbpfAssembler, type EbpfInsn, ebpf } from '@sysjail/systrace-bindings';
import type { AddressPrison } from './address-prison.js';
import { IN6ADDR_LOOPBACK_WORDS, INADDR_LOOPBACK_WORD, jailAddressWords } from './address-words.js';
import {
  emitAllow,
  emitLoad6,
  emitMatch4,
  emitMatch6,
  emitRefuse,
  emitStore6,
  emitStoreWord,
} from './program-fragments.js';

const {
  BPF_JEQ,
  BPF_JNE,
  BPF_REG_0,
  BPF_REG_1,
  BPF_REG_2,
  BPF_REG_3,
  BPF_REG_4,
  BPF_REG_5,
  BPF_REG_6,
  BPF_REG_7,
  BPF_W,
} = ebpf;
const ctx = ebpf.bpf_sock_addr;

/** The verdict of an allowed bind: 1, or 3 for root when it binds reserved ports (see above). */
function emitBindAllowed(a: EbpfAssembler, prison: BindPrison): void {
  if (prison.rootBindsReservedPorts) {
    const notRoot = a.newLabel('not_root');
    a.emit(ebpf.call(ebpf.BPF_FUNC_get_current_uid_gid));
    a.jmp32Imm(BPF_JNE, BPF_REG_0, 0, notRoot); // the low 32 bits: the real uid (host = jail uid)
    a.emit(ebpf.mov64Imm(BPF_REG_0, 3), ebpf.exit());
    a.label(notRoot);
  }
  emitAllow(a);
}

type BindPrison = Pick<AddressPrison, 'ipv4' | 'ipv6' | 'rootBindsReservedPorts'>;

export function bindProgram4(prison: BindPrison): EbpfInsn[] {
  const { ipv4 } = jailAddressWords(prison);
  const a = new EbpfAssembler();
  // No IPv4 address: every bind fails (the verifier refuses unreachable code, so say only that).
  if (ipv4.length === 0) return refuseAll(a);
  a.emit(ebpf.mov64Reg(BPF_REG_6, BPF_REG_1), ebpf.ldxMem(BPF_W, BPF_REG_7, BPF_REG_6, ctx.user_ip4));
  emitMatch4(a, BPF_REG_7, ipv4, 'allow');
  a.jmp32Imm(BPF_JEQ, BPF_REG_7, 0, 'rewrite');
  a.jmp32Imm(BPF_JEQ, BPF_REG_7, INADDR_LOOPBACK_WORD, 'rewrite');
  a.ja('refuse');
  a.label('rewrite');
  emitStoreWord(a, BPF_REG_6, ctx.user_ip4, ipv4[0], BPF_REG_2);
  a.label('allow');
  emitBindAllowed(a, prison);
  a.label('refuse');
  emitRefuse(a, 'EADDRNOTAVAIL');
  return a.assemble();
}

export function bindProgram6(prison: BindPrison): EbpfInsn[] {
  const { ipv6 } = jailAddressWords(prison);
  const regs = [BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5] as const;
  const a = new EbpfAssembler();
  if (ipv6.length === 0) return refuseAll(a);
  a.emit(ebpf.mov64Reg(BPF_REG_6, BPF_REG_1));
  emitLoad6(a, regs, BPF_REG_6, ctx.user_ip6);
  emitMatch6(a, regs, ipv6, 'allow');
  // in6addr_any and ::1 (when ::1 is a jail address it matched above) → primary.
  emitMatch6(a, regs, [[0, 0, 0, 0], IN6ADDR_LOOPBACK_WORDS], 'rewrite');
  a.ja('refuse');
  a.label('rewrite');
  emitStore6(a, BPF_REG_6, ctx.user_ip6, ipv6[0], BPF_REG_2);
  a.label('allow');
  emitBindAllowed(a, prison);
  a.label('refuse');
  emitRefuse(a, 'EADDRNOTAVAIL');
  return a.assemble();
}

function refuseAll(a: EbpfAssembler): EbpfInsn[] {
  emitRefuse(a, 'EADDRNOTAVAIL');
  return a.assemble();
}
