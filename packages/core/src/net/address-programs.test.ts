import { type EbpfInsn, ebpf } from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import { bindProgram4, bindProgram6 } from './bind-program.js';
import { addressPrograms } from './confine-addresses.js';
import { connectProgram4 } from './connect-program.js';
import { ingressProgram } from './ingress-program.js';
import { sendmsgProgram4 } from './sendmsg-program.js';

// Pure checks of the generated programs; what they do is checked on the kernel in
// address-confinement.linux.test.ts.

const JMP32_JEQ_K = ebpf.BPF_JMP32 | ebpf.BPF_JEQ | ebpf.BPF_K;
const STX_W = ebpf.BPF_STX | ebpf.BPF_W | ebpf.BPF_MEM;
const CALL = ebpf.BPF_JMP | ebpf.BPF_CALL;
const EXIT = ebpf.BPF_JMP | ebpf.BPF_EXIT;
const prison = { ipv4: ['127.31.0.5', '10.200.0.200'], ipv6: ['fd00::5'] };

/** Every jump lands inside the program, and the program ends in exit. */
function wellFormed(p: EbpfInsn[]): void {
  expect(p.at(-1)?.code).toBe(EXIT);
  p.forEach((i, at) => {
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    if ((cls === ebpf.BPF_JMP || cls === ebpf.BPF_JMP32) && op !== ebpf.BPF_CALL && op !== ebpf.BPF_EXIT) {
      const to = at + 1 + i.off;
      expect(to).toBeGreaterThan(at);
      expect(to).toBeLessThan(p.length);
    }
  });
  expect(() => ebpf.encodeInsns(p)).not.toThrow();
}

describe('address program generators', () => {
  it('bind4 compares every jail address with JMP32 (words ≥ 2^31 included) and rewrites to the primary', () => {
    const p = bindProgram4(prison);
    wellFormed(p);
    const compared = p.filter((i) => i.code === JMP32_JEQ_K).map((i) => i.imm >>> 0);
    expect(compared).toEqual([0x05001f7f, 0xc800c80a, 0, 0x0100007f]);
    const stores = p.filter((i) => i.code === STX_W);
    expect(stores.map((i) => i.off)).toEqual([ebpf.bpf_sock_addr.user_ip4]);
    // The rewrite loads the primary through a register: no BPF_ST into ctx.
    expect(p.some((i) => i.code === (ebpf.BPF_ST | ebpf.BPF_W | ebpf.BPF_MEM))).toBe(false);
    // EADDRNOTAVAIL through bpf_set_retval.
    const call = p.findIndex((i) => i.code === CALL);
    expect(p[call].imm).toBe(ebpf.BPF_FUNC_set_retval);
    expect(p[call - 1].imm).toBe(-99);
  });

  it('rootBindsReservedPorts: an allowed bind by real uid 0 returns 3 (no CAP_NET_BIND_SERVICE check), others 1', () => {
    for (const gen of [bindProgram4, bindProgram6]) {
      const plain = gen(prison);
      expect(plain.some((i) => i.code === CALL && i.imm === ebpf.BPF_FUNC_get_current_uid_gid)).toBe(false);
      const p = gen({ ...prison, rootBindsReservedPorts: true });
      wellFormed(p);
      const call = p.findIndex((i) => i.code === CALL && i.imm === ebpf.BPF_FUNC_get_current_uid_gid);
      expect(call).toBeGreaterThan(0);
      // uid (the low 32 bits of r0) != 0 → the plain verdict; else r0 = 3, exit.
      expect(p[call + 1]).toMatchObject({ code: ebpf.BPF_JMP32 | ebpf.BPF_JNE | ebpf.BPF_K, dst: 0, imm: 0 });
      expect(p[call + 2]).toMatchObject({ code: ebpf.BPF_ALU64 | ebpf.BPF_MOV | ebpf.BPF_K, dst: 0, imm: 3 });
      expect(p[call + 3].code).toBe(EXIT);
      const plainVerdict = p[call + 2 + p[call + 1].off];
      expect(plainVerdict).toMatchObject({
        code: ebpf.BPF_ALU64 | ebpf.BPF_MOV | ebpf.BPF_K,
        dst: 0,
        imm: 1,
      });
    }
  });

  it('with no address of the family, every bind is refused by a program without dead code', () => {
    const p = bindProgram6({ ipv4: ['127.0.0.5'], ipv6: [] });
    wellFormed(p);
    expect(p.map((i) => i.code)).toEqual([
      ebpf.BPF_ALU64 | ebpf.BPF_MOV | ebpf.BPF_K,
      CALL,
      ebpf.BPF_ALU64 | ebpf.BPF_MOV | ebpf.BPF_K,
      EXIT,
    ]);
  });

  it('bind6 rewrites the four words of user_ip6', () => {
    const p = bindProgram6(prison);
    wellFormed(p);
    expect(p.filter((i) => i.code === STX_W).map((i) => i.off)).toEqual([8, 12, 16, 20]);
  });

  it('connect4 calls bpf_bind with a sockaddr_in of the primary address, then checks the bound address', () => {
    const p = connectProgram4(prison);
    wellFormed(p);
    const st = p.filter((i) => i.code === (ebpf.BPF_ST | ebpf.BPF_W | ebpf.BPF_MEM));
    expect(st.map((i) => [i.off, i.imm >>> 0])).toEqual([
      [-16, 2],
      [-12, 0x05001f7f],
    ]);
    expect(p.filter((i) => i.code === CALL).map((i) => i.imm)).toEqual([
      ebpf.BPF_FUNC_bind,
      ebpf.BPF_FUNC_set_retval,
    ]);
    // 127.0.0.1 is not a jail address: it is rewritten.
    expect(p.some((i) => i.code === STX_W && i.off === ebpf.bpf_sock_addr.user_ip4)).toBe(true);
    // When it is, it is left alone.
    const q = connectProgram4({ ipv4: ['127.0.0.1'], ipv6: [] });
    expect(q.some((i) => i.code === STX_W && i.off === ebpf.bpf_sock_addr.user_ip4)).toBe(false);
  });

  it('sendmsg4 sets msg_src_ip4 only when it is unset', () => {
    const p = sendmsgProgram4(prison);
    wellFormed(p);
    expect(p.filter((i) => i.code === STX_W).map((i) => i.off)).toEqual([
      ebpf.bpf_sock_addr.user_ip4,
      ebpf.bpf_sock_addr.msg_src_ip4,
    ]);
  });

  it('ingress bounds-checks the packet before reading the destination', () => {
    const p = ingressProgram(prison);
    wellFormed(p);
    const firstRead = p.findIndex((i) => i.code === (ebpf.BPF_LDX | ebpf.BPF_B | ebpf.BPF_MEM));
    const check = p.findIndex((i) => i.code === (ebpf.BPF_JMP | ebpf.BPF_JGT | ebpf.BPF_X));
    expect(check).toBeGreaterThan(-1);
    expect(check).toBeLessThan(firstRead);
    expect(ingressProgram({ ipv4: [], ipv6: [] })).toHaveLength(2);
  });

  it('addressPrograms: seven programs, one per attach type, none at socket creation, names bpftool accepts', () => {
    const all = addressPrograms(prison);
    expect(all).toHaveLength(7);
    expect(new Set(all.map((p) => p.attachType)).size).toBe(7);
    expect(all.map((p) => p.attachType)).not.toContain(ebpf.BPF_CGROUP_INET_SOCK_CREATE);
    for (const p of all) {
      expect(p.name).toMatch(/^[a-z0-9_]{1,15}$/);
      wellFormed(p.insns);
    }
  });

  it('refuses bad prisons before generating anything', () => {
    expect(() => addressPrograms({ ipv4: ['0.0.0.0'], ipv6: [] })).toThrow();
    expect(() => addressPrograms({ ipv4: [], ipv6: ['::ffff:1.2.3.4'] })).toThrow();
  });
});
