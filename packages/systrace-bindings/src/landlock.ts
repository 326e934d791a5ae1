// Landlock (linux/landlock.h): scopes, which confine IPC to the domain's own processes, and file system
// access confined beneath one directory.
import { close, O_CLOEXEC, O_DIRECTORY, O_PATH, open } from './file-descriptors.js';
import { syscall3, syscall4 } from './syscall.js';

const NR_landlock_create_ruleset = 444;
const NR_landlock_add_rule = 445;
const NR_landlock_restrict_self = 446;
const LANDLOCK_RULE_PATH_BENEATH = 1;

/** Every file system access right of a Landlock ABI: ABI 1 has 13, then REFER (2), TRUNCATE (3), IOCTL_DEV (5). */
export function landlockFsAccess(abi: number): bigint {
  if (abi < 1) return 0n;
  let rights = (1n << 13n) - 1n;
  if (abi >= 2) rights |= 1n << 13n;
  if (abi >= 3) rights |= 1n << 14n;
  if (abi >= 5) rights |= 1n << 15n;
  return rights;
}

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

/**
 * Puts the calling thread (and its future children) in a Landlock domain with the given scopes that
 * allows file system access only beneath the directory `beneath` (every right the kernel's ABI knows):
 * a path that leads elsewhere, through a descriptor or a /proc/PID/fd magic link, is refused (EACCES).
 */
export function landlockRestrict(options: { scoped: number; beneath: string }): void {
  const handled = landlockFsAccess(landlockAbiVersion());
  // struct landlock_ruleset_attr { __u64 handled_access_fs, handled_access_net, scoped; }
  const attr = Buffer.alloc(24);
  attr.writeBigUInt64LE(handled, 0);
  attr.writeBigUInt64LE(BigInt(options.scoped), 16);
  const fd = syscall3(NR_landlock_create_ruleset, attr, attr.length, 0);
  try {
    const dir = open(options.beneath, O_PATH | O_DIRECTORY | O_CLOEXEC);
    try {
      // struct landlock_path_beneath_attr { __u64 allowed_access; __s32 parent_fd; } (packed)
      const rule = Buffer.alloc(12);
      rule.writeBigUInt64LE(handled, 0);
      rule.writeInt32LE(dir, 8);
      syscall4(NR_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, rule, 0);
    } finally {
      close(dir);
    }
    syscall3(NR_landlock_restrict_self, fd, 0, 0);
  } finally {
    close(fd);
  }
}
