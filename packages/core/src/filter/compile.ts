import {
  SECCOMP_DATA,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_USER_NOTIF,
} from '@sysjail/systrace-bindings';
import type { Architecture } from '../arch.js';
import type { Emulation } from '../emulation.js';
import { PolicyError } from '../errors.js';
import type { ArgTest, Decision, Policy, Rule } from '../policy.js';
import type { ArgKind, SyscallEntry, SyscallTable } from '../syscall-table.js';
import type { FilterOp } from './ir.js';
import { dropRedundantLoads } from './redundant-loads.js';

/** What the supervisor needs to know about a notified call: which handler, or which errno to audit. */
export interface NotifyEntry {
  readonly index: number;
  readonly arch: string;
  readonly syscall: string;
  readonly decision: Decision;
  readonly rule?: Rule;
}

export interface CompileOptions {
  /** Route denials through the supervisor (it replies the same errno and counts/audits them). */
  readonly auditDenials?: boolean;
  /** Notify handlers beyond the supervisor's own: the jail's listeners and its policy route. */
  readonly handlers?: readonly string[];
}

export interface CompiledFilter {
  readonly ops: readonly FilterOp[];
  /** Indexed by the data bits of SECCOMP_RET_USER_NOTIF in the program. */
  readonly notifyTable: readonly NotifyEntry[];
  /** auditArch → nr → the notify entries that call can produce (fast dispatch; >1 needs interpretation). */
  readonly notifyByCall: ReadonlyMap<number, ReadonlyMap<number, readonly NotifyEntry[]>>;
}

/**
 * Compiles a policy over an emulation's tables into a seccomp program: architecture dispatch, refused
 * ABIs killed, a search over syscall numbers weighted towards the calls with argument tests, their rules
 * dispatched on the words they compare; loads of a word A already holds dropped.
 * A pure function: no kernel, no root.
 */
export function compileFilter(
  emulation: Emulation,
  policy: Policy,
  options: CompileOptions = {},
): CompiledFilter {
  const builder = new FilterBuilder(emulation, options);
  const ops: FilterOp[] = [{ op: 'ld', offset: SECCOMP_DATA.arch }];
  const tables = emulation.tables;
  tables.forEach((table, i) => {
    ops.push({
      op: 'jump',
      cmp: 'jeq',
      k: table.arch.auditArch >>> 0,
      whenTrue: archLabel(table.arch),
      whenFalse: i + 1 < tables.length ? `arch.next.${i}` : 'ret.kill',
    });
    if (i + 1 < tables.length) ops.push({ op: 'label', name: `arch.next.${i}` });
  });
  if (tables.length === 0) throw new PolicyError(`emulation ${emulation.name} has no syscall table`);
  checkPolicyNames(emulation, policy, options.handlers ?? []);
  for (const table of tables) ops.push(...builder.tableSection(table, policy));
  ops.push(...builder.returns());
  return {
    ops: dropRedundantLoads(ops),
    notifyTable: builder.notifyTable,
    notifyByCall: builder.notifyByCall,
  };
}

/**
 * Every rule names a syscall of some table and a handler the emulation's handler module has: a typo must
 * never become the default decision (allow).
 */
export function checkPolicyNames(
  emulation: Emulation,
  policy: Policy,
  extraHandlers: readonly string[] = [],
): void {
  const known = new Set(emulation.tables.flatMap((t) => t.entries.map((e) => e.name)));
  const handlers = new Set(emulation.handlers?.names ?? []);
  for (const rule of policy.rules) {
    if (rule.abi !== undefined && !emulation.tables.some((t) => t.arch.name === rule.abi)) {
      throw new PolicyError(`${rule.syscall}: emulation ${emulation.name} has no ABI ${rule.abi}`);
    }
    if (!known.has(rule.syscall)) {
      throw new PolicyError(
        `${rule.syscall}: no such system call in any table of emulation ${emulation.name}`,
      );
    }
    const d = rule.decision;
    if (d.action === 'notify' && !handlers.has(d.handler) && !extraHandlers.includes(d.handler)) {
      throw new PolicyError(`${rule.syscall}: emulation ${emulation.name} has no handler ${d.handler}`);
    }
  }
}

function archLabel(arch: Architecture): string {
  return `arch.${arch.name}`;
}

/** Number of 32-bit words an argument is compared on. */
function argWords(kind: ArgKind | undefined, arch: Architecture): 1 | 2 {
  if (arch.bits === 32) return 1;
  return kind === 'long' || kind === 'ptr' || kind === 'path' || kind === 'str' ? 2 : 1;
}

const U32 = 0xffffffffn;

/**
 * Weights of the number ranges in the search, by how often the filter runs for them: the kernel's
 * action cache answers an allowed call without running the filter, so the filter's hot paths are the
 * calls with argument tests (socket, ioctl, clone ...). The search is weight-balanced: such a call is
 * reached in a few compares instead of log2(ranges).
 */
const CACHED = 1;
const RUNS = 4;
const INSPECTED = 256;

interface Leaf {
  readonly start: number;
  readonly target: string;
  weight: number;
}

/**
 * The first leaf of the right half: weights as equal as can be, then counts. `prefix[i]` is the weight of
 * leaves[0..i-1]; every weight is at least 1, so the left half's weight grows with the split and the
 * best split is next to where it reaches half.
 */
function weightedSplit(prefix: readonly number[], lo: number, hi: number): number {
  const base = prefix[lo];
  const total = prefix[hi + 1] - base;
  let a = lo + 1;
  let b = hi;
  while (a < b) {
    const m = (a + b) >> 1;
    if (2 * (prefix[m] - base) >= total) b = m;
    else a = m + 1;
  }
  const middle = (lo + hi + 1) / 2;
  const unevenness = (mid: number) => Math.abs(2 * (prefix[mid] - base) - total);
  if (a > lo + 1) {
    const before = unevenness(a - 1);
    const at = unevenness(a);
    if (before < at || (before === at && Math.abs(a - 1 - middle) <= Math.abs(a - middle))) return a - 1;
  }
  return a;
}

interface PendingRule {
  readonly rule: Rule;
  /** The tests still to make (a dispatch may already have decided some). */
  readonly when: readonly ArgTest[];
}

const U32_MASK = 0xffffffff;

/** A word to dispatch on: a single-word argument, masked (U32_MASK: all of it). */
interface DispatchWord {
  readonly arg: number;
  readonly mask: number;
}

/** The constant a test compares `on` with (eq, or masked-eq with that mask), or undefined. */
function constantOf(t: ArgTest, on: DispatchWord): number | undefined {
  if (t.arg !== on.arg) return undefined;
  if (t.op === 'eq' && on.mask === U32_MASK) return Number(t.value & U32);
  if (t.op === 'masked-eq' && Number(t.mask & U32) === on.mask) return Number(t.value & t.mask & U32);
  return undefined;
}

/** A word known to hold a value (in the bits of its mask) on a path of a dispatch. */
interface KnownWord extends DispatchWord {
  readonly value: number;
}

/** Whether a test holds given `known` words: true, false, or undefined when they do not tell. */
function decidedBy(t: ArgTest, known: readonly KnownWord[]): boolean | undefined {
  for (const k of known) {
    if (k.arg !== t.arg) continue;
    if (t.op === 'eq' || t.op === 'masked-eq') {
      const mask = t.op === 'masked-eq' ? Number(t.mask & U32) : U32_MASK;
      if ((mask & ~k.mask) !== 0) continue;
      return (k.value & mask) >>> 0 === Number(t.value & BigInt(mask));
    }
    if (k.mask !== U32_MASK) continue;
    if (t.op === 'ne') return k.value !== Number(t.value & U32);
    if (t.op === 'in') return t.values.some((v) => Number(v & U32) === k.value);
  }
  return undefined;
}

/** The rules that can still match where `known` holds, without the tests it decides. */
function simplify(
  rules: readonly PendingRule[],
  known: readonly KnownWord[],
  entry: SyscallEntry,
  arch: Architecture,
): PendingRule[] {
  const out: PendingRule[] = [];
  for (const r of rules) {
    const when: ArgTest[] = [];
    let impossible = false;
    for (const t of r.when) {
      const holds = argWords(entry.args[t.arg], arch) === 1 ? decidedBy(t, known) : undefined;
      if (holds === false) impossible = true;
      if (holds === undefined) when.push(t);
    }
    if (!impossible) out.push({ rule: r.rule, when });
  }
  return out;
}

/** The word that the most rules (two at least) compare with a constant; or undefined. */
function dispatchWord(
  rules: readonly PendingRule[],
  entry: SyscallEntry,
  arch: Architecture,
): DispatchWord | undefined {
  if (rules.length < 2) return undefined;
  // arg * 2^32 + mask → how many rules compare it and the last rule counted; in order of first appearance.
  const counts = new Map<number, { rules: number; last: number }>();
  rules.forEach((r, i) => {
    for (const t of r.when) {
      const mask = t.op === 'eq' ? U32_MASK : t.op === 'masked-eq' ? Number(t.mask & U32) : undefined;
      if (mask === undefined || argWords(entry.args[t.arg], arch) !== 1) continue;
      const key = t.arg * 2 ** 32 + mask;
      const c = counts.get(key);
      if (!c) counts.set(key, { rules: 1, last: i });
      else if (c.last !== i) {
        c.rules += 1;
        c.last = i;
      }
    }
  });
  let best: number | undefined;
  let bestCount = 1;
  for (const [key, c] of counts) {
    if (c.rules > bestCount) {
      best = key;
      bestCount = c.rules;
    }
  }
  return best === undefined ? undefined : { arg: Math.floor(best / 2 ** 32), mask: best % 2 ** 32 };
}

class FilterBuilder {
  readonly notifyTable: NotifyEntry[] = [];
  readonly notifyByCall = new Map<number, Map<number, NotifyEntry[]>>();
  private readonly retLabels = new Map<number, string>();
  private labelCount = 0;

  constructor(
    private readonly emulation: Emulation,
    private readonly options: CompileOptions,
  ) {
    this.retLabels.set(SECCOMP_RET_KILL_PROCESS, 'ret.kill');
  }

  tableSection(table: SyscallTable, policy: Policy): FilterOp[] {
    const arch = table.arch;
    const rulesByName = new Map<string, Rule[]>();
    for (const rule of policy.rules) {
      if (rule.abi !== undefined && rule.abi !== arch.name) continue;
      const list = rulesByName.get(rule.syscall) ?? [];
      list.push(rule);
      rulesByName.set(rule.syscall, list);
    }
    const ops: FilterOp[] = [
      { op: 'label', name: archLabel(arch) },
      { op: 'ld', offset: SECCOMP_DATA.nr },
    ];
    for (const refused of this.emulation.refusedArchitectures) {
      if (refused.auditArch === arch.auditArch && refused.syscallBit) {
        const next = this.fresh('abi.ok');
        ops.push({ op: 'jump', cmp: 'jset', k: refused.syscallBit, whenTrue: 'ret.kill', whenFalse: next });
        ops.push({ op: 'label', name: next });
      }
    }
    // Every number gets a leaf: a return for a plain decision, a rule block for calls with argument tests.
    const entries = [...table.entries].sort((a, b) => a.nr - b.nr);
    const leaves: Leaf[] = [];
    const blocks: FilterOp[] = [];
    const unknown = this.retFor(policy.unknownDecision, arch, '(unknown)');
    const push = (start: number, target: string, weight: number) => {
      const last = leaves[leaves.length - 1];
      if (!last || last.target !== target) leaves.push({ start, target, weight });
      else last.weight = Math.max(last.weight, weight);
    };
    let expected = 0;
    for (const entry of entries) {
      if (entry.nr > expected) push(expected, unknown, RUNS);
      const rules = rulesByName.get(entry.name);
      const plain = rules?.[0].when?.length ? undefined : (rules?.[0] ?? null);
      if (plain !== undefined) {
        // No rule, or a first rule without tests: one decision for every call of this number.
        const decision = plain?.decision ?? policy.defaultDecision;
        const target = this.retFor(decision, arch, entry.name, plain ?? undefined);
        push(entry.nr, target, decision.action === 'allow' ? CACHED : RUNS);
      } else if (rules) {
        const label = `sys.${arch.name}.${entry.name}`;
        blocks.push(...this.ruleBlock(label, entry, rules, policy.defaultDecision, arch));
        leaves.push({ start: entry.nr, target: label, weight: INSPECTED });
      }
      expected = entry.nr + 1;
    }
    push(expected, unknown, RUNS);
    const prefix = [0];
    for (const leaf of leaves) prefix.push(prefix[prefix.length - 1] + leaf.weight);
    this.search(leaves, prefix, 0, leaves.length - 1, arch, ops);
    ops.push(...blocks);
    return ops;
  }

  /**
   * Binary search over number ranges [leaves[i].start, leaves[i+1].start). A holds nr. Split by weight
   * (see INSPECTED), by count where the weights do not tell.
   */
  private search(
    leaves: readonly Leaf[],
    prefix: readonly number[],
    lo: number,
    hi: number,
    arch: Architecture,
    out: FilterOp[] = [],
  ): FilterOp[] {
    if (lo === hi) {
      out.push({ op: 'goto', target: leaves[lo].target });
      return out;
    }
    const mid = weightedSplit(prefix, lo, hi);
    const right = this.fresh(`nr.ge.${leaves[mid].start}.${arch.name}`);
    const left = this.fresh('nr.lt');
    out.push(
      { op: 'jump', cmp: 'jge', k: leaves[mid].start, whenTrue: right, whenFalse: left },
      { op: 'label', name: left },
    );
    this.search(leaves, prefix, lo, mid - 1, arch, out);
    out.push({ op: 'label', name: right });
    return this.search(leaves, prefix, mid, hi, arch, out);
  }

  /**
   * A call's rules, first match wins. When several rules compare one single-word argument (or the same
   * bits of it: socket's type) with a constant, that word is loaded once and dispatched on: each value
   * gets the rules that can still match it, in their order, without the test now known to hold; any
   * other value gets the rules without such a test. Then again on another word for each part. The same
   * rule matches first for every input, in fewer instructions.
   */
  private ruleBlock(
    label: string,
    entry: SyscallEntry,
    rules: Rule[],
    fallback: Decision,
    arch: Architecture,
  ): FilterOp[] {
    const pending = rules.map((rule) => ({ rule, when: rule.when ?? [] }));
    return [{ op: 'label', name: label }, ...this.dispatch(label, entry, pending, [], fallback, arch)];
  }

  /**
   * `rules` for inputs where the words in `known` hold their values. Values whose rules can allow are
   * tested first (in policy order): allowed calls are the hot paths, refusals and notified calls are
   * rare or slow anyway.
   */
  private dispatch(
    label: string,
    entry: SyscallEntry,
    rules: readonly PendingRule[],
    known: readonly KnownWord[],
    fallback: Decision,
    arch: Architecture,
  ): FilterOp[] {
    const on = dispatchWord(rules, entry, arch);
    if (on === undefined) return this.ruleChain(label, entry, rules, fallback, arch);
    const values: number[] = [];
    for (const r of rules) {
      for (const t of r.when) {
        const v = constantOf(t, on);
        if (v !== undefined && !values.includes(v)) values.push(v);
      }
    }
    const partFor = (facts: readonly KnownWord[]) => simplify(rules, facts, entry, arch);
    const allows = (part: readonly PendingRule[]) => {
      for (const r of part) {
        if (r.rule.decision.action === 'allow') return true;
        if (r.when.length === 0) return false;
      }
      return fallback.action === 'allow';
    };
    const cases = values
      .map((value) => {
        const facts = [...known, { ...on, value }];
        return { value, facts, part: partFor(facts), label: this.fresh(`${label}.arg${on.arg}.eq`) };
      })
      .sort((a, b) => Number(allows(b.part)) - Number(allows(a.part)));
    const ops: FilterOp[] = [{ op: 'ld', offset: SECCOMP_DATA.argLow(on.arg) }];
    if (on.mask !== U32_MASK) ops.push({ op: 'and', k: on.mask });
    const other = this.fresh(`${label}.arg${on.arg}.other`);
    cases.forEach((c, i) => {
      const next = i + 1 < cases.length ? this.fresh(`${label}.arg${on.arg}.ne`) : other;
      ops.push({ op: 'jump', cmp: 'jeq', k: c.value, whenTrue: c.label, whenFalse: next });
      if (next !== other) ops.push({ op: 'label', name: next });
    });
    for (const c of cases) {
      ops.push(
        { op: 'label', name: c.label },
        ...this.dispatch(label, entry, c.part, c.facts, fallback, arch),
      );
    }
    // Any other value: no test comparing this word with a constant holds.
    const rest = rules.filter((r) => !r.when.some((t) => constantOf(t, on) !== undefined));
    ops.push({ op: 'label', name: other }, ...this.dispatch(label, entry, rest, known, fallback, arch));
    return ops;
  }

  /** Rules tried in order, each test by test; the fallback when none matches. */
  private ruleChain(
    label: string,
    entry: SyscallEntry,
    rules: readonly PendingRule[],
    fallback: Decision,
    arch: Architecture,
  ): FilterOp[] {
    const ops: FilterOp[] = [];
    for (const { rule, when } of rules) {
      const target = this.retFor(rule.decision, arch, entry.name, rule);
      if (when.length === 0) {
        ops.push({ op: 'goto', target });
        return ops;
      }
      const next = this.fresh(`${label}.next`);
      for (const [i, test] of when.entries()) {
        const pass = i + 1 < when.length ? this.fresh(`${label}.and`) : target;
        ops.push(...this.argTest(test, entry, arch, pass, next));
        if (pass !== target) ops.push({ op: 'label', name: pass });
      }
      ops.push({ op: 'label', name: next });
    }
    ops.push({ op: 'goto', target: this.retFor(fallback, arch, entry.name) });
    return ops;
  }

  /** Jumps to pass when the test holds, else to fail. */
  private argTest(
    test: ArgTest,
    entry: SyscallEntry,
    arch: Architecture,
    pass: string,
    fail: string,
  ): FilterOp[] {
    if (test.arg < 0 || test.arg > 5) throw new PolicyError(`${entry.name}: no argument ${test.arg}`);
    const words = argWords(entry.args[test.arg], arch);
    const lo = SECCOMP_DATA.argLow(test.arg);
    const hi = SECCOMP_DATA.argHigh(test.arg);
    const split = (v: bigint) => ({ hi: Number((v >> 32n) & U32), lo: Number(v & U32) });
    const ops: FilterOp[] = [];
    const eq = (v: bigint, whenTrue: string, whenFalse: string, mask?: bigint) => {
      const parts = split(v);
      const m = mask === undefined ? undefined : split(mask);
      if (words === 2) {
        const lowPart = this.fresh('lo');
        ops.push({ op: 'ld', offset: hi });
        if (m) ops.push({ op: 'and', k: m.hi });
        ops.push({ op: 'jump', cmp: 'jeq', k: parts.hi, whenTrue: lowPart, whenFalse });
        ops.push({ op: 'label', name: lowPart });
      }
      ops.push({ op: 'ld', offset: lo });
      if (m) ops.push({ op: 'and', k: m.lo });
      ops.push({ op: 'jump', cmp: 'jeq', k: parts.lo, whenTrue, whenFalse });
    };
    switch (test.op) {
      case 'eq':
        eq(test.value, pass, fail);
        break;
      case 'ne':
        eq(test.value, fail, pass);
        break;
      case 'masked-eq':
        eq(test.value & test.mask, pass, fail, test.mask);
        break;
      case 'in':
        test.values.forEach((v, i) => {
          const next = i + 1 < test.values.length ? this.fresh('in') : fail;
          eq(v, pass, next);
          if (next !== fail) ops.push({ op: 'label', name: next });
        });
        break;
      default: {
        // Unsigned order: lt = !ge, le = !gt.
        const [cmp, swap] = { lt: ['jge', true], le: ['jgt', true], gt: ['jgt', false], ge: ['jge', false] }[
          test.op
        ] as ['jge' | 'jgt', boolean];
        const t = swap ? fail : pass;
        const f = swap ? pass : fail;
        const parts = split(test.value);
        if (words === 2) {
          const hiEq = this.fresh('hieq');
          const hiGt = swap ? fail : pass;
          const hiLt = swap ? pass : fail;
          const notGt = this.fresh('hile');
          ops.push({ op: 'ld', offset: hi });
          ops.push({ op: 'jump', cmp: 'jgt', k: parts.hi, whenTrue: hiGt, whenFalse: notGt });
          ops.push({ op: 'label', name: notGt });
          ops.push({ op: 'jump', cmp: 'jeq', k: parts.hi, whenTrue: hiEq, whenFalse: hiLt });
          ops.push({ op: 'label', name: hiEq });
        }
        ops.push({ op: 'ld', offset: lo });
        ops.push({ op: 'jump', cmp, k: parts.lo, whenTrue: t, whenFalse: f });
      }
    }
    return ops;
  }

  /** The label of the return for a decision (returns are emitted once, at the end). */
  private retFor(decision: Decision, arch: Architecture, syscall: string, rule?: Rule): string {
    const k = this.action(decision, arch, syscall, rule);
    let label = this.retLabels.get(k);
    if (!label) {
      label = `ret.${k.toString(16)}`;
      this.retLabels.set(k, label);
    }
    return label;
  }

  private action(decision: Decision, arch: Architecture, syscall: string, rule?: Rule): number {
    switch (decision.action) {
      case 'allow':
        return SECCOMP_RET_ALLOW;
      case 'kill':
        return SECCOMP_RET_KILL_PROCESS;
      case 'errno': {
        const errno = this.emulation.errno[decision.errno];
        if (errno === undefined) throw new PolicyError(`${syscall}: unknown errno ${decision.errno}`);
        if (!this.options.auditDenials) return (SECCOMP_RET_ERRNO | (errno & 0xffff)) >>> 0;
        return this.notifyEntry(decision, arch, syscall, rule);
      }
      case 'notify':
        return this.notifyEntry(decision, arch, syscall, rule);
    }
  }

  private notifyEntry(decision: Decision, arch: Architecture, syscall: string, rule?: Rule): number {
    const found = this.notifyTable.find(
      (e) =>
        e.arch === arch.name &&
        e.syscall === syscall &&
        e.rule === rule &&
        sameDecision(e.decision, decision),
    );
    const entry = found ?? { index: this.notifyTable.length, arch: arch.name, syscall, decision, rule };
    if (!found) {
      if (entry.index > 0xffff) throw new PolicyError('too many notify entries');
      this.notifyTable.push(entry);
      const table = this.emulation.tables.find((t) => t.arch === arch);
      const nr = table?.entries.find((e) => e.name === syscall)?.nr;
      if (nr !== undefined) {
        const byNr = this.notifyByCall.get(arch.auditArch) ?? new Map<number, NotifyEntry[]>();
        this.notifyByCall.set(arch.auditArch, byNr);
        byNr.set(nr, [...(byNr.get(nr) ?? []), entry]);
      }
    }
    return (SECCOMP_RET_USER_NOTIF | entry.index) >>> 0;
  }

  returns(): FilterOp[] {
    const ops: FilterOp[] = [];
    for (const [k, label] of this.retLabels) ops.push({ op: 'label', name: label }, { op: 'ret', k });
    return ops;
  }

  private fresh(prefix: string): string {
    this.labelCount += 1;
    return `${prefix}#${this.labelCount}`;
  }
}

function sameDecision(a: Decision, b: Decision): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
