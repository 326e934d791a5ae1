import {
  FilterInterpreter,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_USER_NOTIF,
} from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import type { Architecture } from '../arch.js';
import type { Emulation } from '../emulation.js';
import type { Policy } from '../policy.js';
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
