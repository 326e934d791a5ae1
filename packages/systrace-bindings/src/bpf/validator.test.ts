import { describe, expect, it } from 'vitest';
import {
  BPF_A,
  BPF_ABS,
  BPF_ALU,
  BPF_B,
  BPF_DIV,
  BPF_IMM,
  BPF_JA,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MAXINSNS,
  BPF_MEM,
  BPF_MOD,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BPF_X,
} from './constants.js';
import { BpfInvalidProgramError, type BpfInvalidReason } from './errors.js';
import { BPF_JUMP, BPF_STMT, type Instruction } from './instruction.js';
import { isSeccompCode, validateFilter } from './validator.js';

const ret = BPF_STMT(BPF_RET | BPF_K, 0);

function failure(program: Instruction[]): { reason: BpfInvalidReason; pc: number | undefined } | null {
  try {
    validateFilter(program);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(BpfInvalidProgramError);
    const err = e as BpfInvalidProgramError;
    expect(err.code).toBe('BPF_INVALID_PROGRAM');
    return { reason: err.reason, pc: err.pc };
  }
}

describe('validateFilter (the kernel seccomp checks)', () => {
  it('accepts a minimal program and every seccomp opcode in context', () => {
    expect(failure([ret])).toBeNull();
    expect(failure([BPF_STMT(BPF_RET | BPF_A, 0)])).toBeNull();
    expect(
      failure([
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 60),
        BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 12345),
        BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
        BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
        BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 31),
        BPF_STMT(BPF_ST, 15),
        BPF_STMT(BPF_LDX | BPF_MEM, 15),
        BPF_STMT(BPF_JMP | BPF_JA, 1),
        ret,
        ret,
      ]),
    ).toBeNull();
  });

  it('refuses empty and too long programs', () => {
    expect(failure([])?.reason).toBe('empty');
    expect(failure(new Array(BPF_MAXINSNS + 1).fill(ret))?.reason).toBe('too-long');
    expect(failure(new Array(BPF_MAXINSNS).fill(ret))).toBeNull();
  });

  it('refuses unknown opcodes and classic ones seccomp does not allow', () => {
    expect(failure([BPF_STMT(0x0e, 0)])).toEqual({ reason: 'opcode-not-allowed', pc: 0 }); // BPF_RET|BPF_X
    expect(failure([BPF_STMT(0xff, 0), ret])).toEqual({ reason: 'opcode-not-allowed', pc: 0 });
    expect(failure([BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), ret])).toEqual({
      reason: 'opcode-not-allowed',
      pc: 0,
    });
    expect(failure([BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), ret])).toEqual({
      reason: 'opcode-not-allowed',
      pc: 0,
    });
    expect(isSeccompCode(BPF_LD | BPF_IMM)).toBe(true);
    expect(isSeccompCode(BPF_ALU | BPF_MOD | BPF_X)).toBe(false);
  });

  it('refuses division by constant zero and constant shifts of 32 or more', () => {
    expect(failure([BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), ret])).toEqual({
      reason: 'division-by-zero',
      pc: 0,
    });
    expect(failure([BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), ret])?.reason).toBe('division-by-zero');
    expect(failure([BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 32), ret])?.reason).toBe('shift-out-of-range');
  });

  it('refuses scratch indexes >= 16 and reads of words not written on every path', () => {
    expect(failure([BPF_STMT(BPF_ST, 16), ret])?.reason).toBe('mem-index-out-of-range');
    expect(failure([BPF_STMT(BPF_LD | BPF_MEM, 0), ret])?.reason).toBe('mem-uninitialized');
    expect(failure([BPF_STMT(BPF_STX, 2), BPF_STMT(BPF_LD | BPF_MEM, 2), ret])).toBeNull();
    // Written on the true path only.
    const onePath = [
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
      BPF_STMT(BPF_ST, 3),
      BPF_STMT(BPF_LDX | BPF_MEM, 3),
      ret,
    ];
    expect(failure(onePath)).toEqual({ reason: 'mem-uninitialized', pc: 2 });
  });

  it('refuses jumps out of the program and a last instruction that is not a return', () => {
    expect(failure([BPF_STMT(BPF_JMP | BPF_JA, 1), ret])?.reason).toBe('jump-out-of-range');
    expect(failure([BPF_STMT(BPF_JMP | BPF_JA, 0xffffffff), ret])?.reason).toBe('jump-out-of-range');
    expect(failure([BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0), ret])?.reason).toBe('jump-out-of-range');
    expect(failure([BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0), ret])).toBeNull();
    expect(failure([ret, BPF_STMT(BPF_LD | BPF_IMM, 0)])).toEqual({ reason: 'no-final-ret', pc: 1 });
  });

  it('refuses loads outside seccomp_data or not 4-byte aligned', () => {
    expect(failure([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), ret])?.reason).toBe('load-out-of-bounds');
    expect(failure([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0xfffff000), ret])?.reason).toBe('load-out-of-bounds');
    expect(failure([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), ret])?.reason).toBe('load-misaligned');
  });

  it('reports in the kernel order: classic checks before the seccomp ones', () => {
    // BPF_MOD passes bpf_check_classic; the uninitialised read at pc 1 fails there first.
    expect(failure([BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), BPF_STMT(BPF_LD | BPF_MEM, 0), ret])).toEqual({
      reason: 'mem-uninitialized',
      pc: 1,
    });
  });
});
