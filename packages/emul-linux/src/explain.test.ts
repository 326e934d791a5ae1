import type {
  ArgTest,
  ChangeableFlag,
  CompiledFilter,
  Decision,
  ExplainOptions,
  Listener,
  Prison,
} from '@sysjail/core';
import {
  argTestsText,
  compileFilter,
  defaultPrisonFlags,
  deny,
  explainPolicy,
  formatPolicyExplanation,
  kill,
} from '@sysjail/core';
import { assembleFilter, jailPolicies } from '@sysjail/core/internals';
import {
  FilterInterpreter,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_USER_NOTIF,
} from '@sysjail/systrace-bindings';
import { describe, expect, it } from 'vitest';
import { AF_INET, SOCK_RAW } from './constants.js';
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

/** What the compiled filter returns for a call (all-zero arguments unless given), as a decision. */
const filters = new Map<object, { compiled: CompiledFilter; interpreter: FilterInterpreter }>();

function filterDecision(
  prison: Prison,
  auditArch: number,
  nr: number,
  args: readonly bigint[] = [0n, 0n, 0n, 0n, 0n, 0n],
  options?: ExplainOptions,
): Decision {
  const cacheKey = options ?? prison;
  let filter = filters.get(cacheKey);
  if (!filter) {
    // As startJail compiles a jail's filter (filter-cache's jailFilters), denials not audited.
    const jail = jailPolicies(
      linux,
      prison,
      options?.listeners ?? [],
      options?.changeableFlags ?? [],
      options?.changeableRules ?? {},
    );
    const compiled = compileFilter(linux, jail.filter, { handlers: jail.handlers });
    filter = { compiled, interpreter: new FilterInterpreter(assembleFilter(compiled.ops)) };
    filters.set(cacheKey, filter);
  }
  const { compiled, interpreter } = filter;
  const ret = interpreter.run({ nr, arch: auditArch, instructionPointer: 0n, args: [...args] });
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

  const rawChangeable: ExplainOptions = { changeableFlags: ['allowRawSockets'] satisfies ChangeableFlag[] };
  const mkdirListener: Listener = {
    syscall: 'mkdir',
    reason: 'counts mkdir',
    handle: () => ({ action: 'allow' }),
  };
  const socketListener: Listener = {
    syscall: 'socket',
    abi: 'x86_64',
    when: [{ arg: 0, op: 'eq', value: BigInt(AF_INET) }],
    handle: () => ({ action: 'allow' }),
  };
  const ruleSets: ExplainOptions = {
    changeableRules: {
      'no-mkdir': { rules: [{ syscall: 'mkdir', decision: deny('EACCES') }] },
      'no-inet': {
        on: true,
        rules: [
          {
            syscall: 'socket',
            abi: 'x86_64',
            when: [{ arg: 0, op: 'eq', value: BigInt(AF_INET) }],
            decision: deny('EAFNOSUPPORT'),
          },
          { syscall: 'ptrace', decision: kill },
        ],
      },
    },
  };
  const jails: Record<string, ExplainOptions> = {
    'changeable raw sockets': rawChangeable,
    'changeable rule sets': ruleSets,
    'listeners, changeable flags and rule sets': {
      listeners: [socketListener],
      changeableFlags: ['allowRawSockets'],
      ...ruleSets,
    },
    'a listener': { listeners: [mkdirListener, socketListener] },
    'listeners and changeable flags': {
      listeners: [mkdirListener],
      changeableFlags: ['allowRawSockets', 'allowIpc', 'allowAllDomains'],
    },
  };

  /** Errno decisions by number: names that share one (EOPNOTSUPP, ENOTSUP) are the same return. */
  const byNumber = (d: Decision) => (d.action === 'errno' ? { errno: linux.errno[d.errno] } : d);

  /** Arguments that pass every test (undefined when a test cannot be met this simply). */
  function argsPassing(tests: readonly ArgTest[], bits: 32 | 64): bigint[] | undefined {
    const args = [0n, 0n, 0n, 0n, 0n, 0n];
    for (const t of tests) {
      switch (t.op) {
        case 'eq':
        case 'ge':
        case 'le':
          args[t.arg] = t.value;
          break;
        case 'masked-eq':
          args[t.arg] = t.value & t.mask;
          break;
        case 'in':
          args[t.arg] = t.values[0];
          break;
        case 'ne':
          args[t.arg] = t.value ^ 1n;
          break;
        case 'gt':
          args[t.arg] = t.value + 1n;
          break;
        case 'lt':
          if (t.value === 0n) return undefined;
          args[t.arg] = t.value - 1n;
          break;
      }
    }
    const words = bits === 32 ? 0xffffffffn : 0xffffffffffffffffn;
    const masked = args.map((a) => a & words);
    return tests.every((t) => holds(t, masked[t.arg])) ? masked : undefined;
  }

  function holds(t: ArgTest, v: bigint): boolean {
    switch (t.op) {
      case 'eq':
        return v === t.value;
      case 'ne':
        return v !== t.value;
      case 'lt':
        return v < t.value;
      case 'le':
        return v <= t.value;
      case 'gt':
        return v > t.value;
      case 'ge':
        return v >= t.value;
      case 'masked-eq':
        return (v & t.mask) === (t.value & t.mask);
      case 'in':
        return t.values.includes(v);
    }
  }

  for (const [name, options] of Object.entries(jails)) {
    it(`says what the compiled filter does, rule by rule, for a jail with ${name}`, () => {
      const prison = prisons.default;
      const explanation = explainPolicy(prison, linux, options);
      const rules = jailPolicies(
        linux,
        prison,
        options.listeners ?? [],
        options.changeableFlags ?? [],
        options.changeableRules ?? {},
      ).filter.rules;
      let checked = 0;
      for (const abi of explanation.abis) {
        for (const call of abi.calls) {
          const callRules = rules.filter(
            (r) => r.syscall === call.name && (r.abi === undefined || r.abi === abi.arch),
          );
          // The explanation's lines are the filter's rules in order, up to the first catch-all.
          call.rules.slice(0, -1).forEach((line, i) => {
            const when = callRules[i].when;
            expect(line.when, `${abi.arch} ${call.name} rule ${i}`).toBe(
              when ? argTestsText(call.name, when, linux.argumentName?.bind(linux)) : undefined,
            );
          });
          // For every line, arguments that meet its tests get the first line whose tests they meet.
          for (const [i, line] of call.rules.entries()) {
            const tests = i < callRules.length ? (callRules[i].when ?? []) : [];
            const args = argsPassing(tests, abi.bits);
            if (!args) continue;
            const first = call.rules.findIndex(
              (_, j) =>
                j >= callRules.length || (callRules[j].when ?? []).every((t) => holds(t, args[t.arg])),
            );
            expect(
              byNumber(filterDecision(prison, abi.auditArch, call.nr, args, options)),
              `${abi.arch} ${call.name} line ${i} (${line.when ?? 'else'})`,
            ).toEqual(byNumber(call.rules[first].decision));
            checked += 1;
          }
        }
      }
      expect(checked).toBeGreaterThan(700);
    });
  }

  it('shows the calls a changeable flag routes to the supervisor, with the reason', () => {
    const socket = explainPolicy(prisons.default, linux, rawChangeable).abis[0].calls.find(
      (c) => c.name === 'socket',
    );
    const routed = socket?.rules.filter(
      (r) => r.decision.action === 'notify' && r.decision.handler === 'policy',
    );
    expect(routed?.length).toBeGreaterThan(0);
    for (const r of routed ?? [])
      expect(r.reason).toBe("decided by the jail's current flags (changeable: allowRawSockets)");
    const raw = [BigInt(AF_INET), BigInt(SOCK_RAW), 0n, 0n, 0n, 0n];
    expect(filterDecision(prisons.default, linux.tables[0].arch.auditArch, 41, raw, rawChangeable)).toEqual({
      action: 'notify',
      handler: 'policy',
    });
    const text = formatPolicyExplanation(explainPolicy(prisons.default, linux, rawChangeable));
    expect(text).toContain('changeable: allowRawSockets: calls whose decision depends on them');
    expect(text).toMatch(/ +41 socket +notify policy +if .*SOCK_RAW.*: decided by the jail's current flags/);
  });

  it('shows the calls a changeable rule set routes to the supervisor, with the set and whether it is on at start', () => {
    const explanation = explainPolicy(prisons.default, linux, ruleSets);
    expect(explanation.ruleSets).toEqual([
      { name: 'no-mkdir', on: false },
      { name: 'no-inet', on: true },
    ]);
    const policy = { action: 'notify', handler: 'policy' } as const;
    for (const abi of explanation.abis) {
      const mkdir = abi.calls.find((c) => c.name === 'mkdir');
      if (mkdir)
        expect(mkdir.rules[0]).toEqual({
          decision: policy,
          reason: 'decided by the rule sets switched on at the moment (rule set no-mkdir, off at start)',
        });
      const socket = abi.calls.find((c) => c.name === 'socket');
      const routed = socket?.rules.filter(
        (r) => r.decision.action === 'notify' && r.decision.handler === 'policy',
      );
      expect(routed?.length, abi.arch).toBe(abi.arch === 'x86_64' ? 1 : 0);
    }
    const x86_64 = linux.tables[0].arch.auditArch;
    const inet = [BigInt(AF_INET), 1n, 0n, 0n, 0n, 0n];
    expect(filterDecision(prisons.default, x86_64, 41, inet, ruleSets)).toEqual(policy);
    expect(filterDecision(prisons.default, x86_64, 83, undefined, ruleSets)).toEqual(policy);
    const text = formatPolicyExplanation(explanation);
    expect(text).toContain(
      'rule set no-mkdir (off at start): its calls are decided by the supervisor by the rule sets switched on at the moment (notify policy)',
    );
    expect(text).toContain('rule set no-inet (on at start): its calls are decided by the supervisor');
    expect(text).toMatch(
      / +41 socket +notify policy +if arg0 == AF_INET: decided by the rule sets switched on at the moment \(rule set no-inet, on at start\)/,
    );
    expect(text).toMatch(/ +101 ptrace +notify policy +decided by .*\(rule set no-inet, on at start\)/);
  });

  it("shows the listeners' calls first, per ABI, with their reasons", () => {
    const explanation = explainPolicy(prisons.default, linux, { listeners: [mkdirListener, socketListener] });
    for (const abi of explanation.abis) {
      const mkdir = abi.calls.find((c) => c.name === 'mkdir');
      expect(mkdir?.rules[0]).toEqual({
        decision: { action: 'notify', handler: 'listener:0' },
        reason: 'counts mkdir',
      });
      const socket = abi.calls.find((c) => c.name === 'socket');
      if (abi.arch === 'x86_64')
        expect(socket?.rules[0]).toEqual({
          when: 'arg0 == AF_INET',
          decision: { action: 'notify', handler: 'listener:1' },
          reason: 'listener 1',
        });
      else expect(socket?.rules[0].decision).not.toEqual({ action: 'notify', handler: 'listener:1' });
    }
    const text = formatPolicyExplanation(explanation);
    expect(text).toContain(
      'listener 0: its calls are decided by the listener (notify listener:0): counts mkdir',
    );
    expect(text).toMatch(/ +83 mkdir +notify listener:0 +counts mkdir/);
  });

  it('prints the default policy as before when no listener and no flag is changeable', () => {
    expect(formatPolicyExplanation(explainPolicy(prisons.default, linux, {}))).toBe(
      formatPolicyExplanation(explainPolicy(prisons.default, linux)),
    );
    expect(formatPolicyExplanation(explainPolicy(prisons.default, linux))).not.toMatch(
      /listener|changeable|rule set/,
    );
  });
});
