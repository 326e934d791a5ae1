import type { Prison } from '@sysjail/core';
import { compileFilter, defaultPrisonFlags } from '@sysjail/core';
import { assembleFilter } from '@sysjail/core/internals';
import { FilterInterpreter, SECCOMP_RET_ALLOW } from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import { AF_INET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM } from './constants.js';
import { linux } from './emulation.js';

const prison = (flags: Partial<Prison['flags']> = {}): Prison => ({
  path: '/jail',
  hostname: 'jail',
  ipv4: ['127.0.0.2'],
  ipv6: [],
  flags: { ...defaultPrisonFlags, ...flags },
});

describe('the default policy through core\u2019s filter compiler', () => {
  it('compiles for every prison flag set, with the four supervisor handlers', () => {
    const all = {
      allowIpc: true,
      allowAllDomains: true,
      allowRawSockets: true,
      allowChflags: true,
      allowRlimit: true,
    };
    for (const p of [prison(), prison(all), prison({ allowSetHostname: false })]) {
      const filter = compileFilter(linux, linux.policy(p));
      expect(filter.ops.length).toBeGreaterThan(100);
      const handlers = new Set(filter.notifyTable.map((n) => n.decision.handler));
      expect(handlers).toContain('listen');
      expect(handlers).toContain('reboot');
      expect(handlers).toContain('socketcall');
    }
  });
});

describe('the default jail filter: short paths for calls with argument tests', () => {
  // The action cache answers calls allowed without argument tests; socket(2) runs the filter every time.
  const run = (abi: string, name: string, args: bigint[]) => {
    const table = linux.tables.find((t) => t.arch.name === abi);
    const entry = table?.entries.find((e) => e.name === name);
    if (!table || !entry) throw new Error(`${abi} ${name}`);
    const filter = new FilterInterpreter(assembleFilter(compileFilter(linux, linux.policy(prison())).ops));
    const data = {
      nr: entry.nr,
      arch: table.arch.auditArch,
      instructionPointer: 0n,
      args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6),
    };
    return { decision: filter.run(data), instructions: filter.instructionsRun(data) };
  };

  it('socket(AF_INET, SOCK_STREAM or SOCK_DGRAM, 0) is allowed in 21 instructions at most (32 and 37 before)', () => {
    for (const type of [SOCK_STREAM, SOCK_DGRAM]) {
      for (const abi of ['x86_64', 'i386']) {
        const r = run(abi, 'socket', [BigInt(AF_INET), BigInt(type | SOCK_CLOEXEC), 0n]);
        expect(r.decision, `${abi} ${type}`).toBe(SECCOMP_RET_ALLOW);
        expect(r.instructions, `${abi} ${type}`).toBeLessThanOrEqual(21);
      }
    }
  });
});
