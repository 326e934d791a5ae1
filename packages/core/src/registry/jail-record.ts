import type { LimitCgroups } from '../limits/limit-cgroups.js';
import type { RctlRule } from '../limits/rctl-rule.js';
import type { InterfaceAlias } from '../net/interface-aliases.js';
import type { PrisonFlags } from '../prison.js';

/** A running jail as the registry knows it: one JSON file per jail. */
export interface JailRecord {
  /** Jail identifier, >= 1, never reused while a jail with it is live. */
  readonly jid: number;
  /** Unique among live jails; never all digits. */
  readonly name?: string;
  readonly path: string;
  readonly hostname: string;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  readonly flags: PrisonFlags;
  /** The emulation's name (`linux`, ...). */
  readonly emulation: string;
  /** The process that supervises the jail; the record is stale once it is gone. */
  readonly supervisorPid: number;
  /** Its start time (clock ticks since boot, /proc/<pid>/stat field 22), to detect pid reuse. */
  readonly supervisorStartTime: number;
  /** The jail's init (sysjail-init) as the host sees it, once started. */
  readonly initPid?: number;
  readonly initStartTime?: number;
  /** ISO 8601 time the jail was registered. */
  readonly startedAt: string;
  /** JSON file the supervisor keeps its counters in (see JailCountersFile). */
  readonly countersPath?: string;
  /** The jailed command, as given. */
  readonly command?: readonly string[];
  /** The jail's own cgroup directory (cgroup2), when it has one. */
  readonly cgroupPath?: string;
  /** Interface aliases the jail added (removed when it ends, or when its stale record is healed). */
  readonly aliases?: readonly InterfaceAlias[];
  /** The network namespace the aliases were added in (`net:[inode]`). */
  readonly netns?: string;
  /** Limits given with the jail itself (sysjail --memory ...), as rules on its JID. */
  readonly jailRules?: readonly RctlRule[];
  /** The rctl rules in force (the strictest per resource and action). */
  readonly limits?: readonly RctlRule[];
  /** The controller cgroups holding the jail's processes (v1 directories, or its unified cgroup). */
  readonly limitCgroups?: LimitCgroups;
}

/** What `allocate` takes: everything but the JID; the supervisor's start time is read if absent. */
export type NewJailRecord = Omit<JailRecord, 'jid' | 'supervisorStartTime' | 'startedAt'> & {
  readonly supervisorStartTime?: number;
  readonly startedAt?: string;
};

/** What `update` may change. */
export type JailRecordPatch = Partial<Omit<JailRecord, 'jid'>>;
