import type { Emulation } from '../emulation.js';
import { type ChangeableRuleSet, jailPolicies } from '../listen/jail-policy.js';
import type { Listener } from '../listen/listener.js';
import type { ArgTest, Decision, Policy } from '../policy.js';
import type { Prison, PrisonFlags } from '../prison.js';
import { checkPolicyNames } from './compile.js';

/** What shapes a jail's filter beyond its prison: the same inputs as JailOptions. */
export interface ExplainOptions {
  /** JailOptions.listeners: their calls are notify rules placed before the policy's. */
  readonly listeners?: readonly Listener[];
  /** JailOptions.changeableFlags: calls whose decision differs between the flags' values are routed. */
  readonly changeableFlags?: readonly (keyof PrisonFlags)[];
  /** JailOptions.changeableRules: the calls the sets' rules match are routed, whether a set is on or off. */
  readonly changeableRules?: Readonly<Record<string, ChangeableRuleSet>>;
}

/** One line of a call's decision: the rule's test (none for the last, catch-all line), what, why. */
export interface ExplainedRule {
  /** The argument tests as text (`arg0 == AF_UNIX`); undefined for a decision that takes every call left. */
  readonly when?: string;
  readonly decision: Decision;
  readonly reason?: string;
  /** True for the policy's default decision (no rule of the call matched). */
  readonly isDefault?: true;
}

export interface ExplainedCall {
  readonly nr: number;
  readonly name: string;
  /** In the order the filter tries them; the last has no `when`. */
  readonly rules: readonly ExplainedRule[];
}

export interface ExplainedAbi {
  readonly arch: string;
  readonly auditArch: number;
  readonly bits: 32 | 64;
  /** Every call of the ABI's table, by number. */
  readonly calls: readonly ExplainedCall[];
  /** ABIs sharing this audit arch that are refused (x32): every call of theirs is killed. */
  readonly refused: readonly { readonly arch: string; readonly syscallBit: number }[];
  /** For a number absent from the table. */
  readonly unknown: Decision;
}

/** The effective policy of a prison under an emulation, per ABI: what the seccomp filter decides. */
export interface PolicyExplanation {
  readonly emulation: string;
  readonly policy: string;
  /** The jail's listeners, by index (their rules decide `notify listener:i`); omitted when none. */
  readonly listeners?: readonly { readonly index: number; readonly reason?: string }[];
  /** The changeable flags whose calls are routed to the supervisor (`notify policy`); omitted when none. */
  readonly changeableFlags?: readonly string[];
  /** The changeable rule sets, whether each is on at start; their calls are `notify policy`. Omitted when none. */
  readonly ruleSets?: readonly { readonly name: string; readonly on: boolean }[];
  readonly abis: readonly ExplainedAbi[];
}

/**
 * What the jail's filter decides for every syscall of every ABI of the emulation, with the policy's
 * reasons: the same policy, name checks and rule order as compileFilter (rules after a catch-all rule
 * are never reached and are left out). With listeners, changeable flags or changeable rule sets, the
 * filter's policy of such a jail (startJail's): the listeners' rules, then the routed calls, then the
 * policy's rules.
 * A pure function, like compileFilter.
 */
export function explainPolicy(
  prison: Prison,
  emulation: Emulation,
  options: ExplainOptions = {},
): PolicyExplanation {
  const ruleSets = options.changeableRules ?? {};
  const jail = jailPolicies(
    emulation,
    prison,
    options.listeners ?? [],
    options.changeableFlags ?? [],
    ruleSets,
  );
  const policy = jail.filter;
  checkPolicyNames(emulation, policy, jail.handlers);
  const changeable = options.changeableFlags ?? [];
  return {
    emulation: emulation.name,
    policy: policy.name,
    ...(jail.listeners.length > 0
      ? {
          listeners: jail.listeners.map((l, index) => ({
            index,
            ...(l.reason === undefined ? {} : { reason: l.reason }),
          })),
        }
      : {}),
    ...(changeable.length > 0 ? { changeableFlags: [...changeable] } : {}),
    ...(Object.keys(ruleSets).length > 0
      ? { ruleSets: Object.entries(ruleSets).map(([name, set]) => ({ name, on: set.on === true })) }
      : {}),
    abis: emulation.tables.map((table) => ({
      arch: table.arch.name,
      auditArch: table.arch.auditArch,
      bits: table.arch.bits,
      calls: [...table.entries]
        .sort((a, b) => a.nr - b.nr)
        .map((entry) => ({
          nr: entry.nr,
          name: entry.name,
          rules: explainCall(entry.name, table.arch.name, policy, emulation),
        })),
      refused: emulation.refusedArchitectures
        .filter((r) => r.auditArch === table.arch.auditArch && r.syscallBit)
        .map((r) => ({ arch: r.name, syscallBit: r.syscallBit as number })),
      unknown: policy.unknownDecision,
    })),
  };
}

function explainCall(syscall: string, abi: string, policy: Policy, emulation: Emulation): ExplainedRule[] {
  const lines: ExplainedRule[] = [];
  for (const rule of policy.rules) {
    if (rule.syscall !== syscall) continue;
    if (rule.abi !== undefined && rule.abi !== abi) continue;
    const reason = rule.reason === undefined ? {} : { reason: rule.reason };
    if (!rule.when || rule.when.length === 0) {
      lines.push({ decision: rule.decision, ...reason });
      return lines;
    }
    lines.push({
      when: argTestsText(rule.syscall, rule.when, emulation.argumentName?.bind(emulation)),
      decision: rule.decision,
      ...reason,
    });
  }
  lines.push({ decision: policy.defaultDecision, isDefault: true });
  return lines;
}

/**
 * A rule's argument tests as text, `&&`-joined: `arg0 == AF_UNIX`, `(arg1 & SOCK_TYPE_MASK) == SOCK_RAW`,
 * `arg0 in {1, 2}`; values by the emulation's constant names where it gives them, else numbers.
 */
export function argTestsText(
  syscall: string,
  tests: readonly ArgTest[],
  argumentName?: Emulation['argumentName'],
): string {
  const value = (arg: number, v: bigint) =>
    argumentName?.(syscall, arg, v) ?? (v > 9n ? `0x${v.toString(16)}` : String(v));
  const ops = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;
  const one = (t: ArgTest): string => {
    const a = `arg${t.arg}`;
    switch (t.op) {
      case 'masked-eq':
        return `(${a} & ${value(t.arg, t.mask)}) == ${value(t.arg, t.value)}`;
      case 'in':
        return `${a} in {${t.values.map((v) => value(t.arg, v)).join(', ')}}`;
      default:
        return `${a} ${ops[t.op]} ${value(t.arg, t.value)}`;
    }
  };
  return tests.map(one).join(' && ');
}

/** A decision as --explain prints it: `allow`, `kill`, `errno EPERM`, `notify reboot`. */
export function decisionText(d: Decision): string {
  switch (d.action) {
    case 'allow':
      return 'allow';
    case 'kill':
      return 'kill';
    case 'errno':
      return `errno ${d.errno}`;
    case 'notify':
      return `notify ${d.handler}`;
  }
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * The explanation as text that diffs well: a section per ABI, one line per call and rule, in number
 * order, fixed columns (number, name, decision, then the test and the reason). No dates, no host facts.
 */
export function formatPolicyExplanation(explanation: PolicyExplanation): string {
  const out: string[] = [`emulation ${explanation.emulation}, policy ${explanation.policy}`];
  for (const l of explanation.listeners ?? [])
    out.push(
      `listener ${l.index}: its calls are decided by the listener (notify listener:${l.index})${l.reason === undefined ? '' : `: ${l.reason}`}`,
    );
  if (explanation.changeableFlags)
    out.push(
      `changeable: ${explanation.changeableFlags.join(', ')}: calls whose decision depends on them are decided by the supervisor by the jail's current flags (notify policy)`,
    );
  for (const set of explanation.ruleSets ?? [])
    out.push(
      `rule set ${set.name} (${set.on ? 'on' : 'off'} at start): its calls are decided by the supervisor by the rule sets switched on at the moment (notify policy)`,
    );
  for (const abi of explanation.abis) {
    out.push('', `abi ${abi.arch} (audit arch ${hex(abi.auditArch)}, ${abi.bits}-bit)`);
    for (const r of abi.refused)
      out.push(`  refused: ${r.arch} (number bit ${hex(r.syscallBit)}): kill, every call`);
    for (const call of abi.calls) {
      const many = call.rules.length > 1;
      for (const rule of call.rules) {
        const why =
          rule.reason ??
          (rule.isDefault
            ? many
              ? 'no rule matched: the policy default'
              : 'the policy default'
            : 'no reason given');
        const what = rule.when !== undefined ? `if ${rule.when}: ${why}` : many ? `else: ${why}` : why;
        out.push(
          `${String(call.nr).padStart(5)} ${call.name.padEnd(24)} ${decisionText(rule.decision).padEnd(22)} ${what}`,
        );
      }
    }
    out.push(`    * ${'(not in the table)'.padEnd(24)} ${decisionText(abi.unknown).padEnd(22)} no such call`);
  }
  out.push('', 'any other abi: kill');
  return `${out.join('\n')}\n`;
}
