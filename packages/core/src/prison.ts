import type { JailMount } from './jail/jail-mounts.js';
import type { InterfaceAlias } from './net/interface-aliases.js';

/** What a jail is: FreeBSD's struct prison, with sysjail's flags. */
export interface PrisonFlags {
  /** SysV IPC works (in the jail's own IPC namespace); otherwise ENOSYS. */
  readonly allowIpc: boolean;
  /** All socket families; otherwise LOCAL, INET, INET6 and netlink route only. */
  readonly allowAllDomains: boolean;
  readonly allowRawSockets: boolean;
  /** Immutable/append-only inode flags (FS_IOC_SETFLAGS) may be set. */
  readonly allowChflags: boolean;
  /** Hard resource limits may be raised (as far as the kernel lets root). */
  readonly allowRlimit: boolean;
  /** sethostname changes the jail's own name (never the host's); otherwise EPERM. */
  readonly allowSetHostname: boolean;
}

export interface Prison {
  /** Absolute path of the jail's root directory. */
  readonly path: string;
  readonly hostname: string;
  /** Jail addresses; the first of each family is used for INADDR_ANY / in6addr_any. */
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  /**
   * Addresses (also listed in ipv4/ipv6) that the jail adds to a host interface while it runs
   * (`iface|addr/prefix`); every other address must already be configured on the host.
   */
  readonly aliases?: readonly InterfaceAlias[];
  readonly name?: string;
  readonly flags: PrisonFlags;
  /** Host directories and file systems mounted in the jail (--bind, --ro-bind, --tmpfs, mount.fstab). */
  readonly mounts?: readonly JailMount[];
  /**
   * mount.devfs: device nodes of the host's /dev (character devices, by name: `fuse`, `net/tun`) the
   * jail's /dev gets beyond the default ones.
   */
  readonly devices?: readonly string[];
  /**
   * The jail runs in an identity-mapped user namespace of its own (set by startJail for a jail with
   * JailOptions.loaderBinfmt): its init enters it with setns(2), which the policy then lets through for
   * user namespaces only.
   */
  readonly userNamespace?: boolean;
}

export const defaultPrisonFlags: PrisonFlags = {
  allowIpc: false,
  allowAllDomains: false,
  allowRawSockets: false,
  allowChflags: false,
  allowRlimit: false,
  allowSetHostname: true,
};
