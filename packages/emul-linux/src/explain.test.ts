import type { CompiledFilter, Decision, Prison } from '@sysjail/core';
import { compileFilter, defaultPrisonFlags, explainPolicy } from '@sysjail/core';
import { assembleFilter } from '@sysjail/core/internals';
import {
  FilterInterpreter,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_USER_NOTIF,
} from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import { linux } from './emulation.js';

const prisons: Record<string, Prison> = {
  default: { path: '/j', hostname: 'j', ipv4: ['192.0.2.1'], ipv6: [], flags: defaultPrisonFlags },
  open: {
    path: '/j',
    hostname: 'j',
    ipv4: [],
    ipv6: ['2001:db8::1'],
    flags: {
      allowIpc: true,
      allowAllDomains: true,
      allowRawSockets: true,
      allowChflags: true,
      allowRlimit: true,
      allowSetHostname: false,
    },
  },
};

/** What the compiled filter returns for a call with all-zero arguments, as a decision. */
const filters = new Map<Prison, { compiled: CompiledFilter; interpreter: FilterInterpreter }>();

function filterDecision(prison: Prison, auditArch: number, nr: number): Decision {
  let filter = filters.get(prison);
  if (!filter) {
    const compiled = compileFilter(linux, linux.policy(prison));
    filter = { compiled, interpreter: new FilterInterpreter(assembleFilter(compiled.ops)) };
    filters.set(prison, filter);
  }
  const { compiled, interpreter } = filter;
  const ret = interpreter.run({
    nr,
    arch: auditArch,
    instructionPointer: 0n,
    args: [0n, 0n, 0n, 0n, 0n, 0n],
  });
  const action = (ret & 0xffff0000) >>> 0;
  if (ret === SECCOMP_RET_ALLOW) return { action: 'allow' };
  if (ret === SECCOMP_RET_KILL_PROCESS) return { action: 'kill' };
  if (action === SECCOMP_RET_ERRNO) {
    const name = Object.entries(linux.errno).find(([, n]) => n === (ret & 0xffff))?.[0] ?? '?';
    return { action: 'errno', errno: name };
  }
  if (action === SECCOMP_RET_USER_NOTIF) return compiled.notifyTable[ret & 0xffff].decision;
  throw new Error(`unexpected return ${ret.toString(16)}`);
}

describe('explainPolicy over the Linux emulation', () => {
  for (const [name, prison] of Object.entries(prisons)) {
    it(`says what the compiled filter does for every call decided without argument tests (${name} prison)`, () => {
      let checked = 0;
      for (const abi of explainPolicy(prison, linux).abis) {
        for (const call of abi.calls) {
          if (call.rules.length !== 1) continue;
          expect(filterDecision(prison, abi.auditArch, call.nr), `${abi.arch} ${call.name}`).toEqual(
            call.rules[0].decision,
          );
          checked += 1;
        }
        const unknown = Math.max(...abi.calls.map((c) => c.nr)) + 1;
        expect(filterDecision(prison, abi.auditArch, unknown)).toEqual(abi.unknown);
      }
      expect(checked).toBeGreaterThan(700);
    });

    it(`names every rule of the policy with its reason (${name} prison)`, () => {
      const explained = explainPolicy(prison, linux).abis.flatMap((a) =>
        a.calls.flatMap((c) => c.rules.map((r) => `${c.name}: ${r.reason}`)),
      );
      for (const rule of linux.policy(prison).rules)
        expect(explained).toContain(`${rule.syscall}: ${rule.reason}`);
    });
  }

  it('names argument values by their constants', () => {
    const abi = explainPolicy(prisons.default, linux).abis[0];
    const socket = abi.calls.find((c) => c.name === 'socket');
    expect(socket?.rules[0]).toMatchObject({
      when: 'arg0 == AF_UNIX',
      decision: { action: 'notify', handler: 'unix-socket' },
    });
    expect(socket?.rules.at(-1)).toMatchObject({ decision: { action: 'errno', errno: 'EAFNOSUPPORT' } });
  });
});
