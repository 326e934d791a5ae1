import { describe, expect, it } from 'vitest';
import { formatSeccompAction, seccompAction, seccompErrno } from './action.js';
import { BpfAssembler } from './assembler.js';
import {
  AUDIT_ARCH_X86_64,
  BPF_ABS,
  BPF_H,
  BPF_LD,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from './constants.js';
import { disassemble, seccompDataFieldName } from './disassembler.js';
import { BPF_STMT } from './instruction.js';

describe('disassemble', () => {
  it('prints seccomp-tools style lines, naming fields, arches and (given a resolver) syscalls', () => {
    const prog = new BpfAssembler()
      .ldArch()
      .jne(AUDIT_ARCH_X86_64, 'kill')
      .ldNr()
      .jeq(0, 'allow')
      .jeq(1, 'allow', 'notify')
      .bind('notify')
      .ret(SECCOMP_RET_USER_NOTIF)
      .bind('allow')
      .ret(SECCOMP_RET_ALLOW)
      .bind('kill')
      .ret(SECCOMP_RET_KILL_PROCESS)
      .assemble();
    expect(disassemble(prog, { header: true, syscallName: (nr) => ['read', 'write'][nr] })).toEqual([
      ' line  CODE  JT   JF      K',
      '=================================',
      ' 0000: 0x20 0x00 0x00 0x00000004  A = arch',
      ' 0001: 0x15 0x00 0x05 0xc000003e  if (A != ARCH_X86_64) goto 0007',
      ' 0002: 0x20 0x00 0x00 0x00000000  A = sys_number',
      ' 0003: 0x15 0x02 0x00 0x00000000  if (A == read) goto 0006',
      ' 0004: 0x15 0x01 0x00 0x00000001  if (A == write) goto 0006',
      ' 0005: 0x06 0x00 0x00 0x7fc00000  return USER_NOTIF',
      ' 0006: 0x06 0x00 0x00 0x7fff0000  return ALLOW',
      ' 0007: 0x06 0x00 0x00 0x80000000  return KILL_PROCESS',
    ]);
  });

  it('prints ALU, memory, X, JA, RET A, both-branch jumps and negated tests', () => {
    const prog = new BpfAssembler()
      .ldArgHigh(1)
      .and(0xff)
      .tax()
      .st(3)
      .ldMem(3)
      .jgt('X', 'a', 'b')
      .bind('a')
      .jset(0x80, undefined, 'b')
      .ldxImm(2)
      .lsh('X')
      .neg()
      .ja('b')
      .bind('b')
      .ldLen()
      .retA()
      .assemble();
    expect(disassemble(prog).map((l) => l.slice(34))).toEqual([
      'A = args[1] >> 32',
      'A &= 0xff',
      'X = A',
      'mem[3] = A',
      'A = mem[3]',
      'if (A <= X) goto 0011',
      'if (!(A & 0x80)) goto 0011',
      'X = 0x2',
      'A <<= X',
      'A = -A',
      'goto 0011',
      'A = sizeof(seccomp_data)',
      'return A',
    ]);
  });

  it('names a compared constant only when every path agrees on what A holds', () => {
    const agree = new BpfAssembler()
      .ldArch()
      .jeq(1, 'x')
      .jeq(2, 'x')
      .bind('x')
      .jeq(AUDIT_ARCH_X86_64, 'y')
      .bind('y')
      .ret(0)
      .assemble();
    expect(disassemble(agree)[3]).toMatch(/if \(A == ARCH_X86_64\) goto 0004$/);
    const disagree = new BpfAssembler()
      .ldArgLow(0)
      .jeq(1, 'x')
      .ldArch()
      .bind('x')
      .jeq(AUDIT_ARCH_X86_64, 'y')
      .bind('y')
      .ret(0)
      .assemble();
    expect(disassemble(disagree)[3]).toMatch(/if \(A == 0xc000003e\) goto 0004$/);
  });

  it('marks opcodes seccomp does not know', () => {
    expect(disassemble([BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0)])[0]).toMatch(/\?\?\? \(opcode 0x28\)$/);
    expect(seccompDataFieldName(8)).toBe('instruction_pointer');
    expect(seccompDataFieldName(12)).toBe('instruction_pointer >> 32');
    expect(seccompDataFieldName(64)).toBe('data[64]');
  });
});

describe('seccomp actions', () => {
  it('splits and names return values as the kernel reads them', () => {
    expect(formatSeccompAction(SECCOMP_RET_ERRNO | 13)).toBe('ERRNO(13)');
    expect(formatSeccompAction(SECCOMP_RET_KILL_THREAD)).toBe('KILL_THREAD');
    expect(formatSeccompAction(SECCOMP_RET_TRAP | 2)).toBe('TRAP(2)');
    expect(formatSeccompAction(SECCOMP_RET_LOG)).toBe('LOG');
    expect(formatSeccompAction(0x12340000)).toBe('0x12340000');
    expect(seccompAction(0x12340000)).toEqual({ action: 'KILL_PROCESS', data: 0, known: false });
    expect(seccompAction(SECCOMP_RET_ALLOW | 5)).toEqual({ action: 'ALLOW', data: 5, known: true });
    expect(seccompErrno(SECCOMP_RET_ERRNO | 0xffff)).toBe(4095);
  });
});
