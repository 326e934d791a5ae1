// Landlock (linux/landlock.h): here only its scopes, which confine IPC to the domain's own processes.
import { syscall3 } from './syscall.js';

const NR_landlock_create_ruleset = 444;
const NR_landlock_restrict_self = 446;

export const LANDLOCK_CREATE_RULESET_VERSION = 1 << 0;
/** Abstract unix sockets created outside the domain cannot be connected or sent to (ABI 6). */
export const LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0;
/** Signals cannot reach processes outside the domain (ABI 6). */
export const LANDLOCK_SCOPE_SIGNAL = 1 << 1;

/** The kernel's Landlock ABI version; 0 when Landlock is absent or disabled. */
export function landlockAbiVersion(): number {
  try {
    return syscall3(NR_landlock_create_ruleset, null, 0, LANDLOCK_CREATE_RULESET_VERSION);
  } catch {
    return 0;
  }
}

/**
 * Puts the calling thread (and its future children) in a Landlock domain that handles no file or
 * network access, only the given scopes. Needs no_new_privs (or CAP_SYS_ADMIN).
 */
export function landlockRestrictScopes(scoped: number): void {
  // struct landlock_ruleset_attr { __u64 handled_access_fs, handled_access_net, scoped; }
  const attr = Buffer.alloc(24);
  attr.writeBigUInt64LE(BigInt(scoped), 16);
  const fd = syscall3(NR_landlock_create_ruleset, attr, attr.length, 0);
  try {
    syscall3(NR_landlock_restrict_self, fd, 0, 0);
  } finally {
    syscall3(3 /* close */, fd, 0, 0);
  }
}
