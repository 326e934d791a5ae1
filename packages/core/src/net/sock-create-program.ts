/**
 * BPF_CGROUP_INET_SOCK_CREATE (socket(2) of AF_INET/AF_INET6): unless raw sockets are allowed, only
 * TCP and UDP (SOCK_STREAM with protocol 0 or IPPROTO_TCP, SOCK_DGRAM with 0 or IPPROTO_UDP); SOCK_RAW,
 * ICMP "ping" sockets (whose bind() bypasses the bind hook), SCTP, MPTCP, UDP-Lite fail with EPERM.
 */
import { EbpfAssembler, type EbpfInsn, ebpf } from '@sysjail/systrace-bindings';
import type { AddressPrison } from './address-prison.js';
import { emitAllow, emitRefuse } from './program-fragments.js';

const { BPF_JEQ, BPF_W, BPF_REG_1, BPF_REG_2, BPF_REG_3, BPF_REG_4 } = ebpf;
const sk = ebpf.bpf_sock;

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

export function sockCreateProgram(prison: Pick<AddressPrison, 'allowRawSockets'>): EbpfInsn[] {
  const a = new EbpfAssembler();
  if (prison.allowRawSockets) {
    emitAllow(a);
    return a.assemble();
  }
  a.emit(
    ebpf.ldxMem(BPF_W, BPF_REG_2, BPF_REG_1, sk.family),
    ebpf.ldxMem(BPF_W, BPF_REG_3, BPF_REG_1, sk.type),
    ebpf.ldxMem(BPF_W, BPF_REG_4, BPF_REG_1, sk.protocol),
  );
  a.jmpImm(BPF_JEQ, BPF_REG_2, AF_INET, 'inet');
  a.jmpImm(BPF_JEQ, BPF_REG_2, AF_INET6, 'inet');
  a.ja('allow');
  a.label('inet');
  a.jmpImm(BPF_JEQ, BPF_REG_3, SOCK_STREAM, 'stream');
  a.jmpImm(BPF_JEQ, BPF_REG_3, SOCK_DGRAM, 'dgram');
  a.ja('refuse');
  a.label('stream');
  a.jmpImm(BPF_JEQ, BPF_REG_4, 0, 'allow');
  a.jmpImm(BPF_JEQ, BPF_REG_4, IPPROTO_TCP, 'allow');
  a.ja('refuse');
  a.label('dgram');
  a.jmpImm(BPF_JEQ, BPF_REG_4, 0, 'allow');
  a.jmpImm(BPF_JEQ, BPF_REG_4, IPPROTO_UDP, 'allow');
  a.label('refuse');
  emitRefuse(a);
  a.label('allow');
  emitAllow(a);
  return a.assemble();
}
