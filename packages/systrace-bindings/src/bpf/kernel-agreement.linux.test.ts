// The interpreter and the validator against the running kernel: random programs are installed as real
// seccomp filters in a small C victim (testing/seccomp-victim.c, compiled here with gcc) and tripped.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seccompAction, seccompErrno } from './action.js';
import { BpfAssembler } from './assembler.js';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_B,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MOD,
  BPF_MSH,
  BPF_NEG,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
} from './constants.js';
import { encode } from './encoding.js';
import type { Instruction } from './instruction.js';
import { FilterInterpreter } from './interpreter.js';
import type { SeccompDataInput } from './seccomp-data.js';
import {
  assembleTree,
  evaluateTree,
  inputsArbitrary,
  type Node,
  type TreeOptions,
  treeArbitrary,
} from './testing/decision-tree.js';
import { validateFilter } from './validator.js';

const ENOSYS = 38;
const EINVAL = 22;
const source = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'seccomp-victim.c');

// Numbers 1000.. are unused on x86_64 and i386: ALLOW makes them fail with ENOSYS.
const options: TreeOptions = { nrBase: 1000, nrCount: 8, divX: false, avoidErrno: ENOSYS, maxPad: 400 };

let dir = '';
const bin = { x86_64: '', i386: '' };

function compile(out: string, flags: string[]): string {
  const r = spawnSync('gcc', ['-O2', '-Wall', ...flags, '-o', out, source], { encoding: 'utf8' });
  return r.status === 0 ? out : '';
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysjail-bpf-'));
  bin.x86_64 = compile(join(dir, 'victim64'), []);
  bin.i386 = compile(join(dir, 'victim32'), ['-m32']);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly ret: number;
  readonly errno: number;
}

/** Installs `program` in a fresh victim and makes one system call per input. */
function trip(victim: string, program: readonly Instruction[], inputs: readonly SeccompDataInput[]) {
  const argv = ['run'];
  for (const d of inputs) {
    argv.push(BigInt.asUintN(64, BigInt(d.nr)).toString(16), ...d.args.map((a) => a.toString(16)));
  }
  const r = spawnSync(victim, argv, { input: encode(program), encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function outcomes(stdout: string): Outcome[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [ret, errno] = line.split(' ').map(Number);
      return { ret, errno };
    });
}

/** What the victim must print for a filter verdict (SECCOMP_RET_ERRNO data is capped at 4095; 0 is success). */
function expectedOutcome(verdict: number): Outcome | { readonly ret: 0 } {
  const { action } = seccompAction(verdict);
  if (action === 'ALLOW') return { ret: -1, errno: ENOSYS };
  if (action !== 'ERRNO') throw new Error(`unexpected verdict 0x${verdict.toString(16)}`);
  const errno = seccompErrno(verdict);
  return errno === 0 ? { ret: 0 } : { ret: -1, errno };
}

function agreeOnTrees(arch: 'x86_64' | 'i386', numRuns: number) {
  const victim = bin[arch];
  const auditArch = arch === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386;
  let calls = 0;
  let longJumps = 0;
  const verdicts = new Set<number>();
  fc.assert(
    fc.property(
      treeArbitrary(fc, options).chain((tree) =>
        fc.tuple(fc.constant(tree), inputsArbitrary(fc, tree, options, auditArch, 8, arch === 'x86_64')),
      ),
      ([tree, inputs]: [Node, SeccompDataInput[]]) => {
        const program = assembleTree(tree, options);
        if (program.length > 300) longJumps++;
        const filter = new FilterInterpreter(program);
        const r = trip(victim, program, inputs);
        expect(r.status, r.stderr || r.stdout).toBe(0);
        const got = outcomes(r.stdout);
        inputs.forEach((data, i) => {
          const verdict = filter.run(data);
          expect(verdict).toBe(evaluateTree(tree, options, data));
          verdicts.add(verdict);
          const want = expectedOutcome(verdict);
          if ('errno' in want) expect(got[i]).toEqual(want);
          else expect(got[i].ret).toBe(0);
          calls++;
        });
      },
    ),
    { numRuns },
  );
  return { calls, longJumps, distinctVerdicts: verdicts.size };
}

const hasVictim = () => bin.x86_64 !== '';

describe('kernel agreement (seccomp filters installed for real)', () => {
  it('x86_64: random decision trees give the kernel verdict on every call', (ctx) => {
    if (!hasVictim()) ctx.skip();
    const stats = agreeOnTrees('x86_64', 300);
    expect(stats.calls).toBe(300 * 8);
    expect(stats.longJumps).toBeGreaterThan(10);
    expect(stats.distinctVerdicts).toBeGreaterThan(100);
  });

  it('i386 (int 0x80 ABI, 32-bit arguments): same agreement', (ctx) => {
    if (bin.i386 === '') ctx.skip();
    const stats = agreeOnTrees('i386', 100);
    expect(stats.calls).toBe(100 * 8);
  });

  it('division by X == 0 returns 0 (SECCOMP_RET_KILL_THREAD): the victim dies of SIGSYS', (ctx) => {
    if (!hasVictim()) ctx.skip();
    const program = new BpfAssembler()
      .ldNr()
      .jlt(1000, 'allow')
      .ldArgLow(0)
      .tax()
      .ldImm(100)
      .div('X')
      .retErrno(1)
      .bind('allow')
      .ret(SECCOMP_RET_ALLOW)
      .assemble();
    const data = (x: bigint): SeccompDataInput => ({
      nr: 1000,
      arch: AUDIT_ARCH_X86_64,
      instructionPointer: 0n,
      args: [x, 0n, 0n, 0n, 0n, 0n],
    });
    const filter = new FilterInterpreter(program);
    expect(filter.run(data(0n))).toBe(0);
    expect(filter.run(data(3n))).toBe(SECCOMP_RET_ERRNO | 1);
    expect(trip(bin.x86_64, program, [data(3n)]).stdout).toBe('-1 1\n');
    const killed = trip(bin.x86_64, program, [data(0n)]);
    expect(killed.signal).toBe('SIGSYS');
  });

  it('RET A with SECCOMP_RET_KILL_PROCESS kills; unknown actions act as KILL_PROCESS', (ctx) => {
    if (!hasVictim()) ctx.skip();
    for (const value of [SECCOMP_RET_KILL_PROCESS, 0x7ff80000]) {
      const program = new BpfAssembler()
        .ldNr()
        .jlt(1000, 'allow')
        .ldImm(value)
        .retA()
        .bind('allow')
        .ret(SECCOMP_RET_ALLOW)
        .assemble();
      const data: SeccompDataInput = { nr: 1000, arch: AUDIT_ARCH_X86_64, instructionPointer: 0n, args: [] };
      expect(new FilterInterpreter(program).run(data)).toBe(value);
      expect(seccompAction(value).action).toBe('KILL_PROCESS');
      expect(trip(bin.x86_64, program, [{ ...data, args: [0n, 0n, 0n, 0n, 0n, 0n] }]).signal).toBe('SIGSYS');
    }
  });

  it('validation: the kernel agrees on each documented refusal reason', (ctx) => {
    if (!hasVictim()) ctx.skip();
    const ret = { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0 };
    const stmt = (code: number, k: number) => ({ code, jt: 0, jf: 0, k });
    const cases: [string | null, Instruction[]][] = [
      [null, [ret]],
      ['too-long', new Array(4097).fill(ret)],
      [null, new Array(4096).fill(ret)],
      ['opcode-not-allowed', [stmt(BPF_RET | BPF_X, 0)]],
      ['opcode-not-allowed', [stmt(BPF_ALU | BPF_MOD | BPF_K, 3), ret]],
      ['opcode-not-allowed', [stmt(BPF_LD | BPF_B | BPF_ABS, 0), ret]],
      ['division-by-zero', [stmt(BPF_ALU | BPF_DIV | BPF_K, 0), ret]],
      ['shift-out-of-range', [stmt(BPF_ALU | BPF_LSH | BPF_K, 32), ret]],
      [null, [stmt(BPF_ALU | BPF_RSH | BPF_K, 31), ret]],
      ['mem-index-out-of-range', [stmt(BPF_ST, 16), ret]],
      ['mem-uninitialized', [stmt(BPF_LDX | BPF_MEM, 0), ret]],
      [
        'mem-uninitialized',
        [
          { code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: 1, k: 0 },
          stmt(BPF_ST, 3),
          stmt(BPF_LD | BPF_MEM, 3),
          ret,
        ],
      ],
      ['jump-out-of-range', [stmt(BPF_JMP | BPF_JA, 1), ret]],
      ['no-final-ret', [ret, stmt(BPF_LD | BPF_IMM, 0)]],
      ['load-out-of-bounds', [stmt(BPF_LD | BPF_W | BPF_ABS, 64), ret]],
      ['load-misaligned', [stmt(BPF_LD | BPF_W | BPF_ABS, 2), ret]],
      [
        null,
        [
          stmt(BPF_LD | BPF_W | BPF_ABS, 60),
          stmt(BPF_LD | BPF_W | BPF_LEN, 0),
          stmt(BPF_LDX | BPF_W | BPF_LEN, 0),
          ret,
        ],
      ],
    ];
    for (const [reason, program] of cases) {
      let ours: string | null = null;
      try {
        validateFilter(program);
      } catch (e) {
        ours = (e as { reason: string }).reason;
      }
      expect(ours).toBe(reason);
      const r = spawnSync(bin.x86_64, ['check'], { input: encode(program), timeout: 10_000 });
      if (reason === null) expect(r.signal, JSON.stringify(program.slice(0, 4))).toBe('SIGILL');
      else expect(r.status, reason).toBe(100 + EINVAL);
    }
  });

  it('validation: the kernel refuses a random program exactly when validateFilter throws', (ctx) => {
    if (!hasVictim()) ctx.skip();
    const codes = [
      ...[BPF_ADD, BPF_DIV, BPF_LSH, BPF_RSH, BPF_MOD].flatMap((op) => [
        BPF_ALU | op | BPF_K,
        BPF_ALU | op | BPF_X,
      ]),
      BPF_ALU | BPF_NEG,
      BPF_LD | BPF_W | BPF_ABS,
      BPF_LD | BPF_H | BPF_ABS,
      BPF_LD | BPF_B | BPF_ABS,
      BPF_LD | BPF_W | BPF_IND,
      BPF_LD | BPF_W | BPF_LEN,
      BPF_LDX | BPF_W | BPF_LEN,
      BPF_LDX | BPF_B | BPF_MSH,
      BPF_LD | BPF_IMM,
      BPF_LDX | BPF_IMM,
      BPF_LD | BPF_MEM,
      BPF_LDX | BPF_MEM,
      BPF_ST,
      BPF_STX,
      BPF_MISC | BPF_TAX,
      BPF_MISC | BPF_TXA,
      BPF_JMP | BPF_JA,
      ...[BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
      BPF_RET | BPF_K,
      BPF_RET | BPF_A,
      BPF_RET | BPF_X,
    ];
    const k = fc.oneof(
      fc.constantFrom(0, 1, 2, 3, 4, 8, 15, 16, 31, 32, 60, 61, 63, 64, 68, 0xfffff000),
      fc.nat({ max: 0xffffffff }),
    );
    const insn = fc.record({
      code: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...codes) },
        { weight: 1, arbitrary: fc.nat({ max: 0xffff }) },
      ),
      jt: fc.oneof(fc.nat({ max: 4 }), fc.nat({ max: 255 })),
      jf: fc.oneof(fc.nat({ max: 4 }), fc.nat({ max: 255 })),
      k,
    });
    const program = fc
      .tuple(fc.array(insn, { minLength: 0, maxLength: 7 }), fc.boolean(), k)
      .map(([body, endsWithRet, retK]) =>
        endsWithRet ? [...body, { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: retK }] : body,
      )
      .filter((p) => p.length > 0);
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(program, (p: Instruction[]) => {
        let ours: string | null = null;
        try {
          validateFilter(p);
        } catch (e) {
          ours = (e as { reason: string }).reason;
        }
        const r = spawnSync(bin.x86_64, ['check'], { input: encode(p), timeout: 10_000 });
        if (r.signal === 'SIGILL') {
          expect(ours, 'the kernel accepted it').toBeNull();
          accepted++;
        } else {
          expect(r.status).toBe(100 + EINVAL);
          expect(ours, 'the kernel refused it').not.toBeNull();
          refused++;
        }
      }),
      { numRuns: 600 },
    );
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
