/**
 * BPF_CGROUP_INET4_CONNECT / INET6_CONNECT (TCP connect, UDP connect, TCP fast open): the loopback
 * destination (when not itself a jail address) becomes the primary jail address, and an unbound socket
 * is bound with bpf_bind() to the primary jail address, port 0, so the source is the jail's.
 *
 * bpf_bind() on a socket that already has a port fails (-EINVAL from __inet_bind): then the connect goes
 * on only if the socket's bound address (bpf_sock.src_ip4/6) is a jail address. A socket autobound to
 * the wildcard (sendto() before connect()) is refused with EADDRNOTAVAIL, or its source would be the
 * host's. A v4-mapped destination on an IPv6 socket is refused.
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
} from './program-fragments.js';

const { BPF_DW, BPF_JEQ, BPF_W } = ebpf;
const { BPF_REG_0, BPF_REG_1, BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5, BPF_REG_6, BPF_REG_7, BPF_REG_10 } =
  ebpf;
const ctx = ebpf.bpf_sock_addr;
const sk = ebpf.bpf_sock;

const AF_INET = 2;
const AF_INET6 = 10;
const SOCKADDR_IN_SIZE = 16;
const SOCKADDR_IN6_SIZE = 28;

/** bpf_bind(ctx, r2 = stack address, r3 = size); then allowed if r0 == 0 or the bound address is a jail's. */
function emitBindCall(a: EbpfAssembler, stackOff: number, size: number): void {
  a.emit(
    ebpf.mov64Reg(BPF_REG_1, BPF_REG_6),
    ebpf.mov64Reg(BPF_REG_2, BPF_REG_10),
    ebpf.alu64Imm(ebpf.BPF_ADD, BPF_REG_2, stackOff),
    ebpf.mov64Imm(BPF_REG_3, size),
    ebpf.call(ebpf.BPF_FUNC_bind),
  );
  a.jmpImm(BPF_JEQ, BPF_REG_0, 0, 'allow');
  a.emit(ebpf.ldxMem(BPF_DW, BPF_REG_2, BPF_REG_6, ctx.sk));
}

export function connectProgram4(prison: Pick<AddressPrison, 'ipv4' | 'ipv6'>): EbpfInsn[] {
  const { ipv4 } = jailAddressWords(prison);
  const a = new EbpfAssembler();
  a.emit(ebpf.mov64Reg(BPF_REG_6, BPF_REG_1));
  if (ipv4.length === 0) {
    emitRefuse(a, 'EADDRNOTAVAIL');
    return a.assemble();
  }
  emitDestination4(a, BPF_REG_7, BPF_REG_2, BPF_REG_6, ctx.user_ip4, ipv4, 'bind');
  // struct sockaddr_in at r10-16: sin_family, sin_port 0, sin_addr, zero.
  a.emit(
    ebpf.stMem(BPF_W, BPF_REG_10, -16, AF_INET),
    ebpf.stMem(BPF_W, BPF_REG_10, -12, ipv4[0]),
    ebpf.stMem(BPF_DW, BPF_REG_10, -8, 0),
  );
  emitBindCall(a, -16, SOCKADDR_IN_SIZE);
  a.emit(ebpf.ldxMem(BPF_W, BPF_REG_3, BPF_REG_2, sk.src_ip4));
  emitMatch4(a, BPF_REG_3, ipv4, 'allow');
  emitRefuse(a, 'EADDRNOTAVAIL');
  a.label('allow');
  emitAllow(a);
  return a.assemble();
}

export function connectProgram6(prison: Pick<AddressPrison, 'ipv4' | 'ipv6'>): EbpfInsn[] {
  const { ipv6 } = jailAddressWords(prison);
  const regs = [BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5] as const;
  const a = new EbpfAssembler();
  a.emit(ebpf.mov64Reg(BPF_REG_6, BPF_REG_1));
  if (ipv6.length === 0) {
    emitRefuse(a, 'EADDRNOTAVAIL');
    return a.assemble();
  }
  emitDestination6(a, regs, BPF_REG_6, ctx.user_ip6, ipv6, 'bind');
  // struct sockaddr_in6 at r10-32: sin6_family, sin6_port 0, sin6_flowinfo 0, sin6_addr, sin6_scope_id 0.
  a.emit(ebpf.stMem(BPF_W, BPF_REG_10, -32, AF_INET6), ebpf.stMem(BPF_W, BPF_REG_10, -28, 0));
  for (let k = 0; k < 4; k++) a.emit(ebpf.stMem(BPF_W, BPF_REG_10, -24 + 4 * k, ipv6[0][k]));
  a.emit(ebpf.stMem(BPF_DW, BPF_REG_10, -8, 0));
  emitBindCall(a, -32, SOCKADDR_IN6_SIZE);
  emitLoad6(a, [BPF_REG_3, BPF_REG_4, BPF_REG_5, BPF_REG_7], BPF_REG_2, sk.src_ip6);
  emitMatch6(a, [BPF_REG_3, BPF_REG_4, BPF_REG_5, BPF_REG_7], ipv6, 'allow');
  a.label('refuse');
  emitRefuse(a, 'EADDRNOTAVAIL');
  a.label('allow');
  emitAllow(a);
  return a.assemble();
}
