/**
 * BPF_CGROUP_INET_INGRESS (cgroup_skb, packets delivered to the jail's sockets): drops a packet whose
 * IPv4/IPv6 destination is not a jail address. Closes the autobind gap (listen() or sendto() on an
 * unbound socket binds the wildcard without a bind hook): such a socket only hears its jail addresses.
 * The packet data starts at the network header.
 */
import { EbpfAssembler, type EbpfInsn, ebpf } from '@sysjail/systrace-bindings';
import type { AddressPrison } from './address-prison.js';
import { jailAddressWords } from './address-words.js';
import { emitLoad6, emitMatch4, emitMatch6 } from './program-fragments.js';

const { BPF_B, BPF_JEQ, BPF_JGT, BPF_W, BPF_RSH, BPF_ADD } = ebpf;
const { BPF_REG_0, BPF_REG_1, BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5, BPF_REG_6, BPF_REG_7, BPF_REG_8 } =
  ebpf;
const skb = ebpf.__sk_buff;

const IPV4_HDR_LEN = 20;
const IPV4_DADDR = 16;
const IPV6_HDR_LEN = 40;
const IPV6_DADDR = 24;

export function ingressProgram(prison: Pick<AddressPrison, 'ipv4' | 'ipv6'>): EbpfInsn[] {
  const { ipv4, ipv6 } = jailAddressWords(prison);
  const a = new EbpfAssembler();
  if (ipv4.length === 0 && ipv6.length === 0) {
    a.emit(ebpf.mov64Imm(BPF_REG_0, 0), ebpf.exit());
    return a.assemble();
  }
  a.emit(
    ebpf.ldxMem(BPF_W, BPF_REG_2, BPF_REG_1, skb.data),
    ebpf.ldxMem(BPF_W, BPF_REG_3, BPF_REG_1, skb.data_end),
    ebpf.mov64Reg(BPF_REG_4, BPF_REG_2),
    ebpf.alu64Imm(BPF_ADD, BPF_REG_4, IPV4_HDR_LEN),
  );
  a.jmpReg(BPF_JGT, BPF_REG_4, BPF_REG_3, 'drop');
  a.emit(ebpf.ldxMem(BPF_B, BPF_REG_5, BPF_REG_2, 0), ebpf.alu64Imm(BPF_RSH, BPF_REG_5, 4));
  a.jmpImm(BPF_JEQ, BPF_REG_5, 4, 'ipv4');
  a.jmpImm(BPF_JEQ, BPF_REG_5, 6, 'ipv6');
  a.ja('drop');
  a.label('ipv4');
  a.emit(ebpf.ldxMem(BPF_W, BPF_REG_5, BPF_REG_2, IPV4_DADDR));
  emitMatch4(a, BPF_REG_5, ipv4, 'pass');
  a.ja('drop');
  a.label('ipv6');
  a.emit(ebpf.mov64Reg(BPF_REG_4, BPF_REG_2), ebpf.alu64Imm(BPF_ADD, BPF_REG_4, IPV6_HDR_LEN));
  a.jmpReg(BPF_JGT, BPF_REG_4, BPF_REG_3, 'drop');
  const regs = [BPF_REG_5, BPF_REG_6, BPF_REG_7, BPF_REG_8] as const;
  emitLoad6(a, regs, BPF_REG_2, IPV6_DADDR);
  emitMatch6(a, regs, ipv6, 'pass');
  a.label('drop');
  a.emit(ebpf.mov64Imm(BPF_REG_0, 0), ebpf.exit());
  a.label('pass');
  a.emit(ebpf.mov64Imm(BPF_REG_0, 1), ebpf.exit());
  return a.assemble();
}
