import { describe, expect, it } from 'vitest';
import { bpfProgLoad, closeProgFd } from './bpf.js';
import { exit, mov64Imm, stxMem } from './insn.js';
import { EbpfLoadError } from './load-error.js';
import { BPF_REG_0, BPF_REG_1, BPF_REG_2, BPF_W } from './opcodes.js';
import {
  BPF_CGROUP_INET4_BIND,
  BPF_PROG_TYPE_CGROUP_SOCK,
  BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
  bpf_sock_addr,
} from './uapi.js';

describe('bpf(BPF_PROG_LOAD)', () => {
  it('loads a trivial cgroup_sock program and returns an fd', () => {
    const fd = bpfProgLoad({
      progType: BPF_PROG_TYPE_CGROUP_SOCK,
      insns: [mov64Imm(BPF_REG_0, 1), exit()],
      name: 'sj_test_ok',
    });
    expect(fd).toBeGreaterThan(2);
    closeProgFd(fd);
  });

  it('throws EbpfLoadError with the verifier log when the verifier refuses', () => {
    // A write to the read-only user_family field: "invalid bpf_context access".
    const load = () =>
      bpfProgLoad({
        progType: BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
        expectedAttachType: BPF_CGROUP_INET4_BIND,
        insns: [
          mov64Imm(BPF_REG_2, 2),
          stxMem(BPF_W, BPF_REG_1, BPF_REG_2, bpf_sock_addr.user_family),
          mov64Imm(BPF_REG_0, 1),
          exit(),
        ],
        name: 'sj_test_bad',
      });
    expect(load).toThrow(EbpfLoadError);
    try {
      load();
    } catch (e) {
      const err = e as EbpfLoadError;
      expect(err.errnoName).toBe('EACCES');
      expect(err.verifierLog).toMatch(/invalid bpf_context access/);
      expect(err.message).toContain('sj_test_bad');
    }
  });

  it('refuses a program that does not end in exit', () => {
    expect(() =>
      bpfProgLoad({ progType: BPF_PROG_TYPE_CGROUP_SOCK, insns: [mov64Imm(BPF_REG_0, 1)] }),
    ).toThrow(EbpfLoadError);
  });
});
