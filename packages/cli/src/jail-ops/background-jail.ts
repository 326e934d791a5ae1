// "Start this jail in the background": the one boundary jail(8) uses for jails that outlive the
// command that creates them. They are hosted by the shared supervisor (started by the first of them).
import type { ChangeableFlag, JailLimit, Prison, SubPolicy } from '@sysjail/core';
import { startBackgroundJail } from '../daemon/background-jail.js';

export interface BackgroundJailRequest {
  readonly prison: Prison;
  /** An emulation by name (sysjail.emulation); default: the native one. */
  readonly emulation?: string;
  /** Stays with no process until removed; otherwise it ends with its last process (once one ran). */
  readonly persist: boolean;
  /** The flags jail -m may change (sysjail.changeable). */
  readonly changeableFlags?: readonly ChangeableFlag[];
  /** Named stricter sub-policies (sysjail.subpolicy). */
  readonly subPolicies?: Readonly<Record<string, SubPolicy>>;
  /** The jail's own rctl limits (sysjail.rctl), applied as sysjail --memory etc. are. */
  readonly limits?: readonly JailLimit[];
}

/**
 * Starts a jail with no command (jail(8) runs its exec.start through jexec) in the shared supervisor;
 * resolves with its JID once it is up and registered.
 */
export async function startJailInBackground(request: BackgroundJailRequest): Promise<number> {
  const { jid } = await startBackgroundJail({
    prison: request.prison,
    command: [],
    service: { persist: request.persist },
    ...(request.changeableFlags?.length ? { changeableFlags: request.changeableFlags } : {}),
    ...(request.limits?.length ? { limits: request.limits } : {}),
    ...(request.subPolicies ? { subPolicies: request.subPolicies } : {}),
    ...(request.emulation === undefined ? {} : { emulation: request.emulation }),
  });
  return jid;
}
