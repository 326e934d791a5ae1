import { describe, expect, it } from 'vitest';
import type { Architecture } from '../arch.js';
import type { Emulation } from '../emulation.js';
import type { Policy } from '../policy.js';
import { allow, deny, notify } from '../policy.js';
import { defaultPrisonFlags, type Prison } from '../prison.js';
import { explainPolicy, formatPolicyExplanation } from './explain.js';

const x86_64: Architecture = { name: 'x86_64', auditArch: 0xc000003e, bits: 64, endian: 'little' };
const x32: Architecture = { ...x86_64, name: 'x32', bits: 32, syscallBit: 0x40000000 };

const policyOf = (prison: Prison): Policy => ({
  name: 'toy',
  defaultDecision: allow,
  unknownDecision: deny('ENOSYS'),
  rules: [
    { syscall: 'socket', when: [{ arg: 0, op: 'eq', value: 1n }], decision: allow, reason: 'local' },
    ...(prison.ipv4.length > 0
      ? []
      : [
          {
            syscall: 'socket',
            when: [{ arg: 0, op: 'eq' as const, value: 2n }],
            decision: deny('EAFNOSUPPORT'),
          },
        ]),
    { syscall: 'mount', decision: deny('EPERM'), reason: 'mounting is for the host' },
    { syscall: 'mount', decision: allow, reason: 'never reached' },
    { syscall: 'reboot', decision: notify('reboot'), reason: 'shuts the jail down' },
  ],
});

const toy: Emulation = {
  name: 'toy',
  description: 'a small emulation for explain tests',
  tables: [
    {
      arch: x86_64,
      entries: [
        { name: 'socket', nr: 41, args: ['int', 'int', 'int'] },
        { name: 'read', nr: 0, args: ['fd', 'ptr', 'long'] },
        { name: 'reboot', nr: 169, args: ['int', 'int', 'uint', 'ptr'] },
        { name: 'mount', nr: 165, args: ['path', 'path', 'str', 'long', 'ptr'] },
      ],
    },
  ],
  refusedArchitectures: [x32],
  errno: { EPERM: 1, ENOSYS: 38, EAFNOSUPPORT: 97 },
  policy: policyOf,
  handlers: { module: 'file:///nonexistent/toy-handlers.js', names: ['reboot'] },
  detect: () => true,
  argumentName: (syscall, arg, value) =>
    syscall === 'socket' && arg === 0 && value === 1n ? 'AF_UNIX' : undefined,
};

const prison: Prison = { path: '/j', hostname: 'j', ipv4: [], ipv6: [], flags: defaultPrisonFlags };

describe('explainPolicy', () => {
  it('gives every call of the table, by number, with its rules in filter order and the default last', () => {
    const abi = explainPolicy(prison, toy).abis[0];
    expect(abi.calls.map((c) => c.name)).toEqual(['read', 'socket', 'mount', 'reboot']);
    expect(abi.calls[0].rules).toEqual([{ decision: allow, isDefault: true }]);
    expect(abi.calls[1].rules).toEqual([
      { when: 'arg0 == AF_UNIX', decision: allow, reason: 'local' },
      { when: 'arg0 == 2', decision: deny('EAFNOSUPPORT') },
      { decision: allow, isDefault: true },
    ]);
    expect(abi.refused).toEqual([{ arch: 'x32', syscallBit: 0x40000000 }]);
    expect(abi.unknown).toEqual(deny('ENOSYS'));
  });

  it('leaves out rules after a catch-all rule, as the filter never reaches them', () => {
    const mount = explainPolicy(prison, toy).abis[0].calls.find((c) => c.name === 'mount');
    expect(mount?.rules).toEqual([{ decision: deny('EPERM'), reason: 'mounting is for the host' }]);
  });

  it('follows the prison: the policy is the emulation policy of this prison', () => {
    const withAddress = explainPolicy({ ...prison, ipv4: ['192.0.2.1'] }, toy).abis[0];
    expect(withAddress.calls[1].rules.map((r) => r.when)).toEqual(['arg0 == AF_UNIX', undefined]);
  });

  it('refuses a policy naming an unknown syscall, as compileFilter does', () => {
    const typo: Emulation = {
      ...toy,
      policy: () => ({ ...policyOf(prison), rules: [{ syscall: 'mkdri', decision: deny('EPERM') }] }),
    };
    expect(() => explainPolicy(prison, typo)).toThrow('mkdri: no such system call');
  });
});

describe('formatPolicyExplanation', () => {
  it('prints one fixed-column line per call and rule, a section per ABI', () => {
    expect(formatPolicyExplanation(explainPolicy(prison, toy))).toBe(
      [
        'emulation toy, policy toy',
        '',
        'abi x86_64 (audit arch 0xc000003e, 64-bit)',
        '  refused: x32 (number bit 0x40000000): kill, every call',
        '    0 read                     allow                  the policy default',
        '   41 socket                   allow                  if arg0 == AF_UNIX: local',
        '   41 socket                   errno EAFNOSUPPORT     if arg0 == 2: no reason given',
        '   41 socket                   allow                  else: no rule matched: the policy default',
        '  165 mount                    errno EPERM            mounting is for the host',
        '  169 reboot                   notify reboot          shuts the jail down',
        '    * (not in the table)       errno ENOSYS           no such call',
        '',
        'any other abi: kill',
        '',
      ].join('\n'),
    );
  });
});
