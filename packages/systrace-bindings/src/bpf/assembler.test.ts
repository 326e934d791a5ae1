import { describe, expect, it } from 'vitest';
import { BpfAssembler, MAX_COND_JUMP } from './assembler.js';
import {
  AUDIT_ARCH_X86_64,
  BPF_ABS,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_MAXINSNS,
  BPF_RET,
  BPF_W,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
} from './constants.js';
import { BpfAssembleError, BpfProgramTooLongError } from './errors.js';
import { BPF_JUMP, BPF_STMT, type Instruction } from './instruction.js';
import { FilterInterpreter } from './interpreter.js';
import type { SeccompDataInput } from './seccomp-data.js';

const data = (nr: number, arg0 = 0n): SeccompDataInput => ({
  nr,
  arch: AUDIT_ARCH_X86_64,
  instructionPointer: 0n,
  args: [arg0, 0n, 0n, 0n, 0n, 0n],
});

function isTrampoline(program: readonly Instruction[], pc: number): boolean {
  return program[pc].code === (BPF_JMP | BPF_JA);
}

describe('BpfAssembler', () => {
  it('assembles the classic arch check + allow-list with exact offsets', () => {
    const prog = new BpfAssembler()
      .ldArch()
      .jne(AUDIT_ARCH_X86_64, 'kill')
      .ldNr()
      .jeq(0, 'allow')
      .jeq(1, 'allow')
      .retErrno(38)
      .bind('allow')
      .ret(SECCOMP_RET_ALLOW)
      .bind('kill')
      .ret(SECCOMP_RET_KILL_PROCESS)
      .assemble();
    expect(prog).toEqual([
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 38),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    ]);
  });

  it('jlt / jle are JGE / JGT with the target on the false branch; ja takes a 32-bit offset', () => {
    const prog = new BpfAssembler()
      .ldNr()
      .jlt(5, 'a')
      .jle(7, 'b')
      .ja('b')
      .bind('a')
      .ret(1)
      .bind('b')
      .ret(2)
      .assemble();
    expect(prog[1]).toEqual(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 5, 0, 2));
    expect(prog[2]).toEqual(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 7, 0, 2));
    expect(prog[3]).toEqual(BPF_STMT(BPF_JMP | BPF_JA, 1));
  });

  it('labels may be objects (distinct even with the same name) or strings', () => {
    const asm = new BpfAssembler();
    const one = asm.label('x');
    const two = asm.label('x');
    const prog = asm.ldNr().jeq(1, one, two).bind(one).ret(1).bind(two).ret(2).assemble();
    expect(prog[1]).toEqual(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1));
  });

  function farProgram(distance: number, branch: 'jt' | 'jf' | 'both' | 'same'): Instruction[] {
    // nr == 1 -> return 1, else return 2 (return 1 for 'same'); `distance` fillers sit in between.
    const asm = new BpfAssembler().ldNr();
    const fill = () => {
      for (let i = 0; i < distance; i++) asm.ldxImm(i);
    };
    if (branch === 'jt') {
      asm.jeq(1, 'one');
      fill();
      asm.ret(2).bind('one').ret(1);
    } else if (branch === 'jf') {
      asm.jeq(1, undefined, 'two').ret(1);
      fill();
      asm.bind('two').ret(2);
    } else if (branch === 'both') {
      asm.jeq(1, 'one', 'two');
      fill();
      asm.bind('one').ret(1).bind('two').ret(2);
    } else {
      asm.jeq(1, 'one', 'one');
      fill();
      asm.bind('one').ret(1);
    }
    return asm.assemble();
  }

  it('a conditional jump of exactly 255 needs no trampoline; 256 gets one (jt)', () => {
    const near = farProgram(MAX_COND_JUMP - 1, 'jt'); // filler + ret(2) = 255 instructions skipped
    expect(near[1].jt).toBe(255);
    expect(near.some((_, pc) => isTrampoline(near, pc))).toBe(false);
    const far = farProgram(MAX_COND_JUMP, 'jt');
    expect(far[1]).toMatchObject({ jt: 0, jf: 1 });
    expect(far[2]).toEqual(BPF_STMT(BPF_JMP | BPF_JA, far.length - 1 - 3));
    for (const prog of [near, far]) {
      const f = new FilterInterpreter(prog);
      expect(f.run(data(1))).toBe(1);
      expect(f.run(data(5))).toBe(2);
    }
  });

  it('puts trampolines on the false branch, both branches, and shares one for a common far target', () => {
    const jf = farProgram(300, 'jf');
    expect(jf[1]).toMatchObject({ jt: 1, jf: 0 });
    expect(isTrampoline(jf, 2)).toBe(true);
    const both = farProgram(300, 'both');
    expect(both[1]).toMatchObject({ jt: 0, jf: 1 });
    expect(isTrampoline(both, 2) && isTrampoline(both, 3)).toBe(true);
    const same = farProgram(300, 'same');
    expect(same[1]).toMatchObject({ jt: 0, jf: 0 });
    expect(isTrampoline(same, 3)).toBe(false);
    for (const [prog, t, f] of [
      [jf, 1, 2],
      [both, 1, 2],
      [same, 1, 1],
    ] as const) {
      const run = new FilterInterpreter(prog);
      expect(run.run(data(1))).toBe(t);
      expect(run.run(data(7))).toBe(f);
    }
  });

  it('reaches a fixed point when inserted trampolines push other jumps past 255', () => {
    // Jumps 0..n-2 reach their targets at exactly 255; the last one needs 256 and gets a trampoline,
    // which pushes every earlier target to 256: a second pass must give them trampolines too.
    const n = 200;
    const asm = new BpfAssembler().ldArgLow(0);
    for (let i = 0; i < n; i++) asm.jeq(i, `r${i}`);
    asm.ret(SECCOMP_RET_ALLOW);
    for (let i = 0; i < MAX_COND_JUMP - n; i++) asm.ldxImm(i);
    for (let i = 0; i < n; i++) {
      if (i === n - 1) asm.ldxImm(0);
      asm.bind(`r${i}`).ret(SECCOMP_RET_ERRNO | i);
    }
    const near = new BpfAssembler().ldArgLow(0).jeq(0, 'r').ret(0);
    for (let i = 0; i < MAX_COND_JUMP - 1; i++) near.ldxImm(i);
    expect(near.bind('r').ret(1).assemble()[1].jt).toBe(MAX_COND_JUMP);
    const prog = asm.assemble();
    expect(prog.filter((insn) => insn.code === (BPF_JMP | BPF_JA))).toHaveLength(n);
    const f = new FilterInterpreter(prog);
    for (let i = 0; i < n; i++) expect(f.run(data(0, BigInt(i)))).toBe(SECCOMP_RET_ERRNO | i);
    expect(f.run(data(0, 999n))).toBe(SECCOMP_RET_ALLOW);
  });

  it('refuses backward jumps, jumps to self, unbound and duplicate labels, and targets past the end', () => {
    const reason = (build: (a: BpfAssembler) => unknown) => {
      try {
        build(new BpfAssembler());
      } catch (e) {
        expect(e).toBeInstanceOf(BpfAssembleError);
        return (e as BpfAssembleError).reason;
      }
      return 'none';
    };
    expect(reason((a) => a.bind('top').ldNr().jeq(1, 'top').ret(0).assemble())).toBe('backward-jump');
    expect(reason((a) => a.bind('top').ja('top').ret(0).assemble())).toBe('backward-jump');
    expect(reason((a) => a.ldNr().bind('self').jeq(1, 'self').ret(0).assemble())).toBe('backward-jump');
    expect(reason((a) => a.ldNr().jeq(1, 'nowhere').ret(0).assemble())).toBe('unbound-label');
    expect(reason((a) => a.bind('x').ldNr().bind('x'))).toBe('duplicate-label');
    expect(reason((a) => a.ldNr().jeq(1, 'end').ret(0).bind('end').assemble())).toBe('label-past-end');
    expect(reason((a) => a.ldNr().jeq(1, 'x').bind('x').ret(0).jeq(2, 'x').assemble())).toBe('backward-jump');
    expect(reason((a) => a.ret(0).ldNr().jeq(1, undefined, undefined).assemble())).toBe('label-past-end');
    expect(reason((a) => a.assemble())).toBe('empty');
  });

  it('refuses operands the kernel would refuse', () => {
    const a = new BpfAssembler();
    expect(() => a.st(16)).toThrow(BpfAssembleError);
    expect(() => a.ldMem(-1)).toThrow(BpfAssembleError);
    expect(() => a.lsh(32)).toThrow(/shift/);
    expect(() => a.div(0)).toThrow(/zero/);
    expect(() => a.ldArgLow(6)).toThrow(/args index/);
    expect(() => a.retErrno(4096)).toThrow(BpfAssembleError);
    expect(() => a.ret(2 ** 32)).toThrow(BpfAssembleError);
    expect(() => a.ldImm(1.5)).toThrow(BpfAssembleError);
    expect(() => a.raw(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0))).toThrow(/relocated/);
    expect(a.size).toBe(0);
    // Negative 32-bit constants are taken as their unsigned value.
    expect(a.ldImm(-1).ret(0).assemble()[0].k).toBe(0xffffffff);
  });

  it('checks BPF_MAXINSNS, trampolines included', () => {
    const fill = (n: number) => {
      const a = new BpfAssembler();
      for (let i = 0; i < n - 1; i++) a.ldImm(i);
      return a.ret(0);
    };
    expect(fill(BPF_MAXINSNS).assemble()).toHaveLength(BPF_MAXINSNS);
    expect(() => fill(BPF_MAXINSNS + 1).assemble()).toThrow(BpfProgramTooLongError);
    // 4096 items, but the far jump needs a trampoline: 4097 instructions.
    const a = new BpfAssembler().ldNr().jeq(1, 'end');
    for (let i = 0; i < BPF_MAXINSNS - 3; i++) a.ldImm(i);
    a.bind('end').ret(0);
    expect(a.size).toBe(BPF_MAXINSNS);
    try {
      a.assemble();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BpfProgramTooLongError);
      expect((e as BpfProgramTooLongError).length).toBe(BPF_MAXINSNS + 1);
      expect((e as BpfProgramTooLongError).code).toBe('BPF_PROGRAM_TOO_LONG');
    }
  });
});
