// Test helper: a hand-encoded seccomp filter (struct sock_filter[]) that sends one x86_64 syscall to
// the listener (SECCOMP_RET_USER_NOTIF) and allows everything else.
const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_RET_K = 0x06;
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

function insn(code: number, jt: number, jf: number, k: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0);
  b.writeUInt8(jt, 2);
  b.writeUInt8(jf, 3);
  b.writeUInt32LE(k >>> 0, 4);
  return b;
}

export function notifyOneSyscall(nr: number): Uint8Array {
  return Buffer.concat([
    insn(BPF_LD_W_ABS, 0, 0, 4), // A = seccomp_data.arch
    insn(BPF_JMP_JEQ_K, 0, 3, AUDIT_ARCH_X86_64),
    insn(BPF_LD_W_ABS, 0, 0, 0), // A = seccomp_data.nr
    insn(BPF_JMP_JEQ_K, 0, 1, nr),
    insn(BPF_RET_K, 0, 0, SECCOMP_RET_USER_NOTIF),
    insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
  ]);
}
