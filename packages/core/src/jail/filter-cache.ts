import type { Emulation } from '../emulation.js';
import { encodeFilter } from '../filter/assemble.js';
import { type CompiledFilter, compileFilter } from '../filter/compile.js';
import { jailPolicies } from '../listen/jail-policy.js';
import type { Listener } from '../listen/listener.js';
import type { Prison, PrisonFlags } from '../prison.js';

export interface JailFilter {
  readonly compiled: CompiledFilter;
  /** The encoded sock_filter[] the kernel runs. */
  readonly program: Uint8Array;
}

const filters = new Map<string, JailFilter>();

/** The compiled filter of a prison's policy, cached by what the policy depends on. */
export function filterFor(emulation: Emulation, prison: Prison, auditDenials: boolean): JailFilter {
  const key = JSON.stringify([
    emulation.name,
    prison.ipv4.length > 0,
    prison.ipv6.length > 0,
    prison.flags,
    auditDenials,
  ]);
  let f = filters.get(key);
  if (!f) {
    const compiled = compileFilter(emulation, emulation.policy(prison), { auditDenials });
    f = { compiled, program: encodeFilter(compiled.ops) };
    filters.set(key, f);
  }
  return f;
}

/** A jail's filters: the one the kernel runs, and the one its supervisor decides routed calls by. */
export interface JailFilters {
  readonly filter: JailFilter;
  readonly decision: JailFilter;
  readonly listeners: readonly Listener[];
}

/** The filters of a jail with listeners or changeable flags (compiled each time: listeners are code). */
export function jailFilters(
  emulation: Emulation,
  prison: Prison,
  auditDenials: boolean,
  listeners: readonly Listener[] = [],
  changeable: readonly (keyof PrisonFlags)[] = [],
): JailFilters {
  const decision = filterFor(emulation, prison, auditDenials);
  const policies = jailPolicies(emulation, prison, listeners, changeable);
  if (policies.listeners.length === 0 && changeable.length === 0)
    return { filter: decision, decision, listeners: [] };
  const compiled = compileFilter(emulation, policies.filter, { auditDenials, handlers: policies.handlers });
  return {
    filter: { compiled, program: encodeFilter(compiled.ops) },
    decision,
    listeners: policies.listeners,
  };
}
