import type { Emulation } from '../emulation.js';
import { encodeFilter } from '../filter/assemble.js';
import { type CompiledFilter, compileFilter } from '../filter/compile.js';
import type { Prison } from '../prison.js';

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
