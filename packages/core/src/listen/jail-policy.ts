import type { Emulation } from '../emulation.js';
import { PolicyError, PrisonConfigError } from '../errors.js';
import { notify, type Policy, type Rule } from '../policy.js';
import type { Prison, PrisonFlags } from '../prison.js';
import { type Listener, listenerHandlerName, POLICY_ROUTE } from './listener.js';

/**
 * Flags that may change while a jail runs (jail.change, jail -m). allowRlimit is not one: its
 * capability (CAP_SYS_RESOURCE) would have to be kept from the start, and it grants more than the calls
 * the filter routes.
 */
export const changeableFlags = [
  'allowRawSockets',
  'allowIpc',
  'allowChflags',
  'allowSetHostname',
  'allowAllDomains',
] as const satisfies readonly (keyof PrisonFlags)[];
export type ChangeableFlag = (typeof changeableFlags)[number];

/**
 * A named set of rules that may be switched on and off while the jail runs (JailOptions.changeableRules,
 * jail.change({ ruleSets })). Deny and kill only: a set takes away from the jail's policy.
 */
export interface ChangeableRuleSet {
  readonly rules: readonly Rule[];
  /** Switched on at start (default off). */
  readonly on?: boolean;
}

/** The rules of the sets switched on, in the sets' order. */
export function activeRules(
  sets: Readonly<Record<string, ChangeableRuleSet>>,
  on: ReadonlySet<string>,
): Rule[] {
  return Object.entries(sets).flatMap(([name, set]) => (on.has(name) ? set.rules : []));
}

/** The policies of a jail: what its filter is compiled from, and what its supervisor decides by. */
export interface JailPolicies {
  /** The seccomp filter's policy: the listeners' calls, the routed calls, then the policy's rules. */
  readonly filter: Policy;
  /** The policy for the current flags, without listeners: what `allow` of a listener and routes mean. */
  readonly decision: Policy;
  /** The jail's listeners, by index (listener:i). */
  readonly listeners: readonly Listener[];
  /** The notify handler names beyond the supervisor's own. */
  readonly handlers: readonly string[];
}

/**
 * The policies of a jail with listeners and changeable flags. A call whose decision may differ between
 * the values of the changeable flags is sent to the supervisor (notify 'policy'), which decides it by the
 * current flags' policy; every other call keeps its decision in the kernel.
 */
export function jailPolicies(
  emulation: Emulation,
  prison: Prison,
  extraListeners: readonly Listener[] = [],
  changeable: readonly (keyof PrisonFlags)[] = [],
  changeableRules: Readonly<Record<string, ChangeableRuleSet>> = {},
): JailPolicies {
  for (const flag of changeable) {
    if (!(changeableFlags as readonly string[]).includes(flag)) {
      throw new PrisonConfigError(
        `flags.${flag}: cannot be made changeable (${changeableFlags.join(', ')} can)`,
      );
    }
  }
  const decision = emulation.policy(prison);
  const listeners = [...(decision.listeners ?? []), ...extraListeners];
  const routes = [
    ...(changeable.length > 0 ? routedRules(emulation, prison, changeable) : []),
    ...Object.entries(changeableRules).flatMap(([name, set]) =>
      set.rules.map((rule) => routeOfRule(rule, name, set.on === true)),
    ),
  ];
  const listenerRules = listeners.flatMap((l, i) => rulesOfListener(emulation, l, i));
  const handlers = [
    ...listeners.map((_, i) => listenerHandlerName(i)),
    ...(routes.length ? [POLICY_ROUTE] : []),
  ];
  return {
    filter: { ...decision, rules: [...listenerRules, ...routes, ...decision.rules], listeners: [] },
    decision: { ...decision, listeners: [] },
    listeners,
    handlers,
  };
}

/**
 * A rule of a changeable rule set (JailOptions.changeableRules): the calls it matches go to the
 * supervisor, which decides them by the jail's policy with the rule sets switched on at the moment.
 * Only errno and kill: a set takes away from the jail's policy, switched on or off while the jail runs.
 */
function routeOfRule(rule: Rule, set: string, onAtStart: boolean): Rule {
  if (rule.decision.action !== 'errno' && rule.decision.action !== 'kill') {
    throw new PolicyError(`changeable rule ${rule.syscall}: only deny and kill (a rule set only takes away)`);
  }
  return {
    syscall: rule.syscall,
    ...(rule.abi ? { abi: rule.abi } : {}),
    ...(rule.when ? { when: rule.when } : {}),
    decision: notify(POLICY_ROUTE),
    reason: `decided by the rule sets switched on at the moment (rule set ${set}, ${onAtStart ? 'on' : 'off'} at start)`,
  };
}

/** A listener's calls as notify rules (placed before the policy's: first match wins). */
function rulesOfListener(emulation: Emulation, listener: Listener, i: number): Rule[] {
  if (typeof listener.handle !== 'function') throw new PolicyError(`listener ${i}: no handle function`);
  const tables = emulation.tables.filter((t) => listener.abi === undefined || t.arch.name === listener.abi);
  if (tables.length === 0)
    throw new PolicyError(`listener ${i}: emulation ${emulation.name} has no ABI ${listener.abi}`);
  let names: string[];
  if (listener.syscall !== undefined) {
    if (listener.class !== undefined) throw new PolicyError(`listener ${i}: a syscall or a class, not both`);
    names = typeof listener.syscall === 'string' ? [listener.syscall] : [...listener.syscall];
    for (const name of names) {
      if (!tables.some((t) => t.entries.some((e) => e.name === name))) {
        throw new PolicyError(`listener ${i}: no system call ${name} in emulation ${emulation.name}`);
      }
    }
  } else if (listener.class !== undefined) {
    const cls = listener.class;
    names = [
      ...new Set(tables.flatMap((t) => t.entries.filter((e) => e.classes?.includes(cls)).map((e) => e.name))),
    ];
    if (names.length === 0) throw new PolicyError(`listener ${i}: no system call of class ${cls}`);
  } else {
    throw new PolicyError(`listener ${i}: names no syscall and no class`);
  }
  const rules: Rule[] = [];
  for (const table of tables) {
    for (const name of names) {
      if (!table.entries.some((e) => e.name === name)) continue;
      rules.push({
        syscall: name,
        abi: table.arch.name,
        ...(listener.when ? { when: listener.when } : {}),
        decision: notify(listenerHandlerName(i)),
        reason: listener.reason ?? `listener ${i}`,
      });
    }
  }
  return rules;
}

const key = (r: Rule) =>
  JSON.stringify([r.syscall, r.abi, r.when, r.decision], (_, v) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * The routes for changeable flags: for each syscall whose rules differ between the flags' values, the
 * argument tests of the rules that are not in every variant send matching calls to the supervisor;
 * calls matching none of them meet the rules every variant shares, in the same order, so they keep the
 * same decision whatever the flags become.
 */
function routedRules(
  emulation: Emulation,
  prison: Prison,
  changeable: readonly (keyof PrisonFlags)[],
): Rule[] {
  const variants: Policy[] = [];
  for (let bits = 0; bits < 1 << changeable.length; bits++) {
    const flags: Record<string, boolean> = { ...prison.flags };
    changeable.forEach((flag, i) => {
      flags[flag] = (bits & (1 << i)) !== 0;
    });
    variants.push(emulation.policy({ ...prison, flags: flags as unknown as PrisonFlags }));
  }
  const first = variants[0];
  for (const v of variants) {
    if (
      JSON.stringify(v.defaultDecision) !== JSON.stringify(first.defaultDecision) ||
      JSON.stringify(v.unknownDecision) !== JSON.stringify(first.unknownDecision)
    ) {
      throw new PolicyError(`policy ${first.name}: its default decisions depend on ${changeable.join(', ')}`);
    }
  }
  const names = [...new Set(variants.flatMap((v) => v.rules.map((r) => r.syscall)))];
  const reason = `decided by the jail's current flags (changeable: ${changeable.join(', ')})`;
  const routes: Rule[] = [];
  for (const name of names) {
    const lists = variants.map((v) => v.rules.filter((r) => r.syscall === name));
    const keys = lists.map((l) => l.map(key));
    if (keys.every((k) => JSON.stringify(k) === JSON.stringify(keys[0]))) continue;
    const common = keys[0].filter((k) => keys.every((other) => other.includes(k)));
    const sameOrder = keys.every(
      (k) => JSON.stringify(k.filter((x) => common.includes(x))) === JSON.stringify(common),
    );
    const uncommon = new Map<string, Rule>();
    for (const list of lists) for (const r of list) if (!common.includes(key(r))) uncommon.set(key(r), r);
    const catchAll = !sameOrder || [...uncommon.values()].some((r) => !r.when || r.when.length === 0);
    if (catchAll) {
      routes.push({ syscall: name, decision: notify(POLICY_ROUTE), reason });
      continue;
    }
    const seen = new Set<string>();
    for (const r of uncommon.values()) {
      const k = JSON.stringify([r.abi, r.when], (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
      if (seen.has(k)) continue;
      seen.add(k);
      routes.push({
        syscall: name,
        ...(r.abi ? { abi: r.abi } : {}),
        ...(r.when ? { when: r.when } : {}),
        decision: notify(POLICY_ROUTE),
        reason,
      });
    }
  }
  return routes;
}
