/**
 * BPF_CGROUP_UDP4_SENDMSG / UDP6_SENDMSG (sendto/sendmsg with an address on UDP sockets): the loopback
 * destination (when not a jail address) becomes the primary jail address; the source (msg_src_ip4/6,
 * which starts as the socket's bound source) is kept when it is a jail address, set to the primary jail
 * address when unset (unbound or autobound socket), and anything else (IP_PKTINFO asking for a host
 * address) is refused with EADDRNOTAVAIL. A v4-mapped destination seen by the IPv6 hook is refused.
 */
import { EbpfAssembler, type EbpfInsn, ebpf } from '@sysjail/systrace-bindings';
import type { AddressPrison } from './address-prison.js';
import { jailAddressWords } from './address-words.js';
import {
  emitAllow,
  emitDestination4,
  emitDestination6,
  emitLoad6,
  emitMatch4,
  emitMatch6,
  emitRefuse,
  emitStore6,
  emitStoreWord,
} from './program-fragments.js';

const { BPF_JNE, BPF_W } = ebpf;
const { BPF_REG_1, BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5, BPF_REG_6, BPF_REG_7 } = ebpf;
const ctx = ebpf.bpf_sock_addr;

export function sendmsgProgram4(prison: Pick<AddressPrison, 'ipv4' | 'ipv6'>): EbpfInsn[] {
  const { ipv4 } = jailAddressWords(prison);
  const a = new EbpfAssembler();
  a.emit(ebpf.mov64Reg(BPF_REG_6, BPF_REG_1));
  if (ipv4.length === 0) {
    emitRefuse(a, 'EADDRNOTAVAIL');
    return a.assemble();
  }
  emitDestination4(a, BPF_REG_7, BPF_REG_2, BPF_REG_6, ctx.user_ip4, ipv4, 'source');
  a.emit(ebpf.ldxMem(BPF_W, BPF_REG_7, BPF_REG_6, ctx.msg_src_ip4));
  emitMatch4(a, BPF_REG_7, ipv4, 'allow');
  a.jmp32Imm(BPF_JNE, BPF_REG_7, 0, 'refuse');
  emitStoreWord(a, BPF_REG_6, ctx.msg_src_ip4, ipv4[0], BPF_REG_2);
  a.label('allow');
  emitAllow(a);
  a.label('refuse');
  emitRefuse(a, 'EADDRNOTAVAIL');
  return a.assemble();
}

export function sendmsgProgram6(prison: Pick<AddressPrison, 'ipv4' | 'ipv6'>): EbpfInsn[] {
  const { ipv6 } = jailAddressWords(prison);
  const regs = [BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5] as const;
  const a = new EbpfAssembler();
  a.emit(ebpf.mov64Reg(BPF_REG_6, BPF_REG_1));
  if (ipv6.length === 0) {
    emitRefuse(a, 'EADDRNOTAVAIL');
    return a.assemble();
  }
  emitDestination6(a, regs, BPF_REG_6, ctx.user_ip6, ipv6, 'source');
  emitLoad6(a, regs, BPF_REG_6, ctx.msg_src_ip6);
  emitMatch6(a, regs, ipv6, 'allow');
  emitMatch6(a, regs, [[0, 0, 0, 0]], 'set');
  a.ja('refuse');
  a.label('set');
  emitStore6(a, BPF_REG_6, ctx.msg_src_ip6, ipv6[0], BPF_REG_2);
  a.label('allow');
  emitAllow(a);
  a.label('refuse');
  emitRefuse(a, 'EADDRNOTAVAIL');
  return a.assemble();
}
