import {
  FilterInterpreter,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_USER_NOTIF,
} from '@sysjail/systrace-bindings';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Architecture } from '../arch.js';
import type { Emulation } from '../emulation.js';
import type { ArgTest, Decision, Policy } from '../policy.js';
import { allow, deny, notify } from '../policy.js';
import { assembleFilter } from './assemble.js';
import { compileFilter } from './compile.js';

const x86_64: Architecture = { name: 'x86_64', auditArch: 0xc000003e, bits: 64, endian: 'little' };
const i386: Architecture = { name: 'i386', auditArch: 0x40000003, bits: 32, endian: 'little' };
const x32: Architecture = {
  name: 'x32',
  auditArch: 0xc000003e,
  bits: 32,
  endian: 'little',
  syscallBit: 0x40000000,
};

const toy: Emulation = {
  name: 'toy',
  description: 'a small emulation for compiler tests',
  tables: [
    {
      arch: x86_64,
      entries: [
        { name: 'read', nr: 0, args: ['fd', 'ptr', 'long'] },
        { name: 'socket', nr: 41, args: ['int', 'int', 'int'] },
        { name: 'reboot', nr: 169, args: ['int', 'int', 'uint', 'ptr'] },
        { name: 'prlimit64', nr: 302, args: ['pid', 'uint', 'ptr', 'ptr'] },
        { name: 'mount', nr: 165, args: ['path', 'path', 'str', 'long', 'ptr'] },
        ...Array.from({ length: 600 }, (_, i) => ({ name: `filler${i}`, nr: 1000 + 2 * i, args: [] })),
      ],
    },
    {
      arch: i386,
      entries: [
        { name: 'read', nr: 3, args: ['fd', 'ptr', 'long'] },
        { name: 'socket', nr: 359, args: ['int', 'int', 'int'] },
        { name: 'mount', nr: 21, args: ['path', 'path', 'str', 'long', 'ptr'] },
      ],
    },
  ],
  refusedArchitectures: [x32],
  errno: { EPERM: 1, ENOSYS: 38, EAFNOSUPPORT: 97 },
  policy: () => policy,
  handlers: { module: 'file:///nonexistent/toy-handlers.js', names: ['reboot', 'setrlimit'] },
  detect: () => true,
};

const policy: Policy = {
  name: 'toy',
  defaultDecision: allow,
  unknownDecision: deny('ENOSYS'),
  rules: [
    { syscall: 'socket', when: [{ arg: 0, op: 'in', values: [1n, 2n] }], decision: allow },
    { syscall: 'socket', decision: deny('EAFNOSUPPORT') },
    { syscall: 'mount', decision: deny('EPERM') },
    { syscall: 'reboot', decision: notify('reboot') },
    { syscall: 'prlimit64', when: [{ arg: 2, op: 'eq', value: 0n }], decision: allow },
    { syscall: 'prlimit64', decision: notify('setrlimit') },
  ],
};

function run(nr: number, arch: number, args: bigint[] = []) {
  const compiled = compileFilter(toy, policy);
  const interp = new FilterInterpreter(assembleFilter(compiled.ops));
  return interp.run({
    nr,
    arch,
    instructionPointer: 0n,
    args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6),
  });
}

describe('compileFilter', () => {
  it('allows calls without rules and refuses numbers outside the table with ENOSYS', () => {
    expect(run(0, x86_64.auditArch)).toBe(SECCOMP_RET_ALLOW);
    expect(run(1000, x86_64.auditArch)).toBe(SECCOMP_RET_ALLOW);
    expect(run(1001, x86_64.auditArch)).toBe(SECCOMP_RET_ERRNO | 38);
    expect(run(5, x86_64.auditArch)).toBe(SECCOMP_RET_ERRNO | 38);
    expect(run(999999, x86_64.auditArch)).toBe(SECCOMP_RET_ERRNO | 38);
  });

  it('kills unknown architectures and the x32 ABI', () => {
    expect(run(0, 0xdeadbeef)).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(0 | 0x40000000, x86_64.auditArch)).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(41 | 0x40000000, x86_64.auditArch)).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('decides on int arguments by their low 32 bits only', () => {
    expect(run(41, x86_64.auditArch, [2n])).toBe(SECCOMP_RET_ALLOW);
    expect(run(41, x86_64.auditArch, [17n])).toBe(SECCOMP_RET_ERRNO | 97);
    // junk in the upper half is ignored by the kernel for an int, so the filter ignores it too
    expect(run(41, x86_64.auditArch, [0xffffffff00000011n])).toBe(SECCOMP_RET_ERRNO | 97);
    expect(run(41, x86_64.auditArch, [0x1234567800000002n])).toBe(SECCOMP_RET_ALLOW);
  });

  it('compares pointer arguments on 64 bits', () => {
    const compiled = compileFilter(toy, policy);
    const setrlimit = compiled.notifyTable.find((e) => e.syscall === 'prlimit64');
    expect(run(302, x86_64.auditArch, [0n, 7n, 0n])).toBe(SECCOMP_RET_ALLOW);
    expect(run(302, x86_64.auditArch, [0n, 7n, 0x100000000n])).toBe(
      SECCOMP_RET_USER_NOTIF | setrlimit!.index,
    );
  });

  it('dispatches i386 calls by their own numbers', () => {
    expect(run(21, i386.auditArch)).toBe(SECCOMP_RET_ERRNO | 1);
    expect(run(165, i386.auditArch)).toBe(SECCOMP_RET_ERRNO | 38);
    expect(run(359, i386.auditArch, [10n])).toBe(SECCOMP_RET_ERRNO | 97);
    expect(run(359, i386.auditArch, [1n])).toBe(SECCOMP_RET_ALLOW);
  });

  it('records notify entries and can route denials through the supervisor', () => {
    const plain = compileFilter(toy, policy);
    expect(plain.notifyTable.map((e) => `${e.arch}:${e.syscall}`)).toEqual([
      'x86_64:reboot',
      'x86_64:prlimit64',
    ]);
    expect(plain.notifyByCall.get(x86_64.auditArch)?.get(169)?.[0].decision).toEqual(notify('reboot'));
    const audited = compileFilter(toy, policy, { auditDenials: true });
    const mount = audited.notifyTable.find((e) => e.arch === 'i386' && e.syscall === 'mount');
    expect(mount?.decision).toEqual(deny('EPERM'));
  });

  it('stays within the kernel limit with long jumps over 600 numbers', () => {
    const program = assembleFilter(compileFilter(toy, policy).ops);
    expect(program.length).toBeLessThan(4096);
  });
});

describe('compileFilter refuses names it does not know', () => {
  const withRule = (rule: Policy['rules'][number]): Policy => ({ ...policy, rules: [rule] });

  it('a syscall absent from every table is an error, not the default decision', () => {
    expect(() => compileFilter(toy, withRule({ syscall: 'mkdri', decision: deny('EPERM') }))).toThrow(
      'mkdri: no such system call in any table of emulation toy',
    );
    // Present in one table only (prlimit64 is x86_64's here): fine.
    expect(() =>
      compileFilter(toy, withRule({ syscall: 'prlimit64', decision: deny('EPERM') })),
    ).not.toThrow();
  });

  it('a notify rule naming no handler of the emulation is an error', () => {
    expect(() => compileFilter(toy, withRule({ syscall: 'reboot', decision: notify('rebot') }))).toThrow(
      'reboot: emulation toy has no handler rebot',
    );
    const { handlers: _, ...noHandlers } = toy;
    expect(() =>
      compileFilter(noHandlers, withRule({ syscall: 'reboot', decision: notify('reboot') })),
    ).toThrow('reboot: emulation toy has no handler reboot');
  });
});

describe('compileFilter: the compiled filter decides as the rules say (first match wins)', () => {
  // Arguments of the toy calls: socket (three ints), prlimit64 (pid, uint, ptr, ptr), mount (path ...).
  const calls = toy.tables[0].entries.filter((e) =>
    ['socket', 'prlimit64', 'mount', 'read'].includes(e.name),
  );
  const words = (kind: string | undefined) => (['long', 'ptr', 'path', 'str'].includes(kind ?? '') ? 2 : 1);
  const U32 = 0xffffffffn;
  const U64 = 0xffffffffffffffffn;

  /** The reference: a test on an argument at its width (an int's upper half ignored). */
  function holds(test: ArgTest, raw: bigint, width: 1 | 2): boolean {
    const v = width === 1 ? raw & U32 : raw;
    const w = (x: bigint) => (width === 1 ? x & U32 : x & U64);
    switch (test.op) {
      case 'eq':
        return v === w(test.value);
      case 'ne':
        return v !== w(test.value);
      case 'lt':
        return v < w(test.value);
      case 'le':
        return v <= w(test.value);
      case 'gt':
        return v > w(test.value);
      case 'ge':
        return v >= w(test.value);
      case 'masked-eq':
        return (v & w(test.mask)) === w(test.value & test.mask);
      case 'in':
        return test.values.some((x) => v === w(x));
    }
  }

  const constants = [0n, 1n, 2n, 3n, 6n, 10n, 0xfn, 0x80000n, 0xffffffffn, 0x100000000n, 0xffffffff00000002n];
  const value = fc.oneof(fc.constantFrom(...constants), fc.bigInt({ min: 0n, max: 16n }));
  const test = fc.oneof(
    fc.record({ arg: fc.nat(3), op: fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge'), value }),
    fc.record({
      arg: fc.nat(3),
      op: fc.constant('masked-eq'),
      mask: fc.constantFrom(0xfn, 0xcn, 3n, U32),
      value,
    }),
    fc.record({
      arg: fc.nat(3),
      op: fc.constant('in'),
      values: fc.array(value, { minLength: 1, maxLength: 3 }),
    }),
  ) as fc.Arbitrary<ArgTest>;
  const decision = fc.constantFrom<Decision>(allow, deny('EPERM'), deny('ENOSYS'), notify('reboot'));
  const rule = fc.record({
    syscall: fc.constantFrom(...calls.map((c) => c.name)),
    when: fc.array(test, { maxLength: 3 }),
    decision,
  });

  it('for random rule lists (dispatch on a shared word, redundant loads dropped)', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 14 }),
        fc.array(fc.tuple(fc.nat(calls.length - 1), fc.array(value, { minLength: 4, maxLength: 4 })), {
          minLength: 40,
          maxLength: 40,
        }),
        (rules, inputs) => {
          const p: Policy = { ...policy, rules };
          const compiled = compileFilter(toy, p);
          const interp = new FilterInterpreter(assembleFilter(compiled.ops));
          for (const [which, args] of inputs) {
            const call = calls[which];
            const first = rules
              .filter((r) => r.syscall === call.name)
              .find((r) => r.when.every((t) => holds(t, args[t.arg], words(call.args[t.arg]))));
            const want = first?.decision ?? allow;
            const got = interp.run({
              nr: call.nr,
              arch: x86_64.auditArch,
              instructionPointer: 0n,
              args: [...args, 0n, 0n],
            });
            const action = (got & 0xffff0000) >>> 0;
            const seen: Decision =
              got === SECCOMP_RET_ALLOW
                ? allow
                : action === SECCOMP_RET_USER_NOTIF
                  ? compiled.notifyTable[got & 0xffff].decision
                  : deny(got === (SECCOMP_RET_ERRNO | 1) ? 'EPERM' : 'ENOSYS');
            expect(seen, `${call.name}(${args.join(', ')})`).toEqual(want);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reaches socket(AF_INET, SOCK_STREAM, 0) in few instructions', () => {
    const p: Policy = {
      ...policy,
      rules: [
        { syscall: 'socket', when: [{ arg: 0, op: 'eq', value: 1n }], decision: notify('reboot') },
        {
          syscall: 'socket',
          when: [{ arg: 1, op: 'masked-eq', mask: 0xfn, value: 3n }],
          decision: deny('EPERM'),
        },
        {
          syscall: 'socket',
          when: [
            { arg: 0, op: 'eq', value: 2n },
            { arg: 1, op: 'masked-eq', mask: 0xfn, value: 1n },
          ],
          decision: allow,
        },
        { syscall: 'socket', when: [{ arg: 0, op: 'eq', value: 2n }], decision: deny('EPERM') },
        { syscall: 'socket', decision: deny('EAFNOSUPPORT') },
      ],
    };
    const program = assembleFilter(compileFilter(toy, p).ops);
    const filter = new FilterInterpreter(program);
    const inet = { nr: 41, arch: x86_64.auditArch, instructionPointer: 0n, args: [2n, 1n, 0n, 0n, 0n, 0n] };
    expect(filter.run(inet)).toBe(SECCOMP_RET_ALLOW);
    const executed = filter.instructionsRun(inet);
    // arch, number, x32 (4); a search weighted towards calls with argument tests (5, not 10 over these
    // 600 numbers) and its jump to the rules (1); the family once, the type bits once (5); the return
    // (a jump to it and itself: 2).
    expect(executed).toBeLessThanOrEqual(17);
  });
});
