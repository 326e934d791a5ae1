import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_W } from './constants.js';
import { decode, encode } from './encoding.js';
import { BpfDecodeError } from './errors.js';
import { BPF_JUMP, BPF_STMT } from './instruction.js';

describe('encode / decode (struct sock_filter, little endian)', () => {
  it('lays out u16 code, u8 jt, u8 jf, u32 k', () => {
    const bytes = encode([
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 1, 2),
    ]);
    expect(Buffer.from(bytes).toString('hex')).toBe('2000000004000000' + '150001023e0000c0');
  });

  it('round-trips any instructions', () => {
    const insn = fc.record({
      code: fc.nat({ max: 0xffff }),
      jt: fc.nat({ max: 0xff }),
      jf: fc.nat({ max: 0xff }),
      k: fc.nat({ max: 0xffffffff }),
    });
    fc.assert(
      fc.property(fc.array(insn, { maxLength: 50 }), (prog) => {
        expect(decode(encode(prog))).toEqual(prog);
      }),
    );
  });

  it('decodes from a view at an offset and refuses partial instructions', () => {
    const bytes = new Uint8Array(20);
    bytes.set(encode([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0x01020304)]), 4);
    expect(decode(bytes.subarray(4, 12))).toEqual([{ code: 0x20, jt: 0, jf: 0, k: 0x01020304 }]);
    expect(() => decode(bytes.subarray(0, 7))).toThrow(BpfDecodeError);
  });
});
