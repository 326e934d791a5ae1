import type { Listener } from './listen/listener.js';

/**
 * Policies speak of syscalls by name and errnos by name; an emulation turns them into numbers.
 * Decisions mirror the kernel's seccomp actions.
 */
export type Decision =
  | { readonly action: 'allow' }
  | { readonly action: 'errno'; readonly errno: string }
  | { readonly action: 'kill' }
  /** Hand the call to the supervisor, which runs the named handler (see core's handler registry). */
  | { readonly action: 'notify'; readonly handler: string };

export const allow: Decision = { action: 'allow' };
export const kill: Decision = { action: 'kill' };
export function deny(errno: string): Decision {
  return { action: 'errno', errno };
}
export function notify(handler: string): Decision {
  return { action: 'notify', handler };
}

/** A test on one scalar argument. `value`/`mask` are compared at the argument's width. */
export type ArgTest =
  | { readonly arg: number; readonly op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'; readonly value: bigint }
  /** (arg & mask) === value */
  | { readonly arg: number; readonly op: 'masked-eq'; readonly mask: bigint; readonly value: bigint }
  /** arg is one of the values */
  | { readonly arg: number; readonly op: 'in'; readonly values: readonly bigint[] };

/** A rule applies when every test holds. Rules of one syscall are tried in order; the first match wins. */
export interface Rule {
  readonly syscall: string;
  readonly when?: readonly ArgTest[];
  readonly decision: Decision;
  /** Why: shown by --explain and audit records. */
  readonly reason?: string;
  /** Only for this ABI's table (x86_64, i386); default every table. */
  readonly abi?: string;
}

export interface Policy {
  readonly name: string;
  readonly rules: readonly Rule[];
  /** For a call in the table with no matching rule. */
  readonly defaultDecision: Decision;
  /** For a number absent from the table (newer kernels): ENOSYS, as for a call that does not exist. */
  readonly unknownDecision: Decision;
  /** Listeners that come with the policy (see Listener); their calls go to them before any rule. */
  readonly listeners?: readonly Listener[];
}
