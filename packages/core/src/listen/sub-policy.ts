import type { Emulation } from '../emulation.js';
import { PolicyError } from '../errors.js';
import { encodeFilter } from '../filter/assemble.js';
import { compileFilter } from '../filter/compile.js';
import { allow, type Rule } from '../policy.js';

/**
 * A named sub-policy of a jail: rules a process (and everything it starts) is put under on top of the
 * jail's policy, as a second seccomp filter stacked on the jail's. The kernel applies the strictest
 * verdict of the two, so a sub-policy can only take away. Its rules decide in the kernel alone (allow,
 * deny, kill: a stacked filter has no supervisor); calls it has no rule for are left to the jail's.
 */
export interface SubPolicy {
  readonly rules: readonly Rule[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The encoded filter of each sub-policy (checked against the emulation's tables). */
export function compileSubPolicies(
  emulation: Emulation,
  subPolicies: Readonly<Record<string, SubPolicy>> = {},
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, sub] of Object.entries(subPolicies)) {
    if (!NAME.test(name))
      throw new PolicyError(`sub-policy "${name}": not a name ([A-Za-z0-9._-], 64 at most)`);
    for (const rule of sub.rules) {
      if (rule.decision.action === 'notify') {
        throw new PolicyError(
          `sub-policy ${name}: ${rule.syscall}: only allow, deny and kill (a stacked filter has no supervisor)`,
        );
      }
    }
    const compiled = compileFilter(
      emulation,
      { name: `sub-policy ${name}`, rules: sub.rules, defaultDecision: allow, unknownDecision: allow },
      { auditDenials: false },
    );
    out.set(name, encodeFilter(compiled.ops));
  }
  return out;
}
