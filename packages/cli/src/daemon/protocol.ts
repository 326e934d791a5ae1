// The shared supervisor's control protocol: one JSON request per connection, one JSON line back.
import type { ChangeableFlag, JailChange, Prison, SubPolicy } from '@sysjail/core';

/** jail -m: what changes in a running jail, core's change (sent as JSON: rules without argument tests). */
export type { JailChange };

/** The names of what a change touches: hostname, ipv4, flags.allowRawSockets ... */
export function changedFields(change: JailChange): string[] {
  const out: string[] = [];
  for (const key of ['hostname', 'ipv4', 'ipv6'] as const) if (change[key] !== undefined) out.push(key);
  for (const flag of Object.keys(change.flags ?? {})) out.push(`flags.${flag}`);
  if (change.rules !== undefined) out.push('rules');
  return out;
}

/** A jail the shared supervisor starts and keeps (sysjail -b, jail -c of a background jail). */
export interface BackgroundJailOptions {
  readonly prison: Prison;
  /** The jail's command; empty for a service jail. */
  readonly command: readonly string[];
  /**
   * A service jail (jail(8)'s jails): no command, it runs what is exec'd into it and ends with its last
   * process, or with `persist` stays with none until removed. Needs core's service jails.
   */
  readonly service?: { readonly persist: boolean };
  /** An emulation by name (sysjail.emulation); default: the one that recognises the command, else the native one. */
  readonly emulation?: string;
  /** The command's uid and gid inside (resolved by the caller in the jail's /etc/passwd). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** The command's environment (default: the caller's, with the jail's PATH). */
  readonly env?: Readonly<Record<string, string>>;
  /** The command's working directory inside the jail (default /). */
  readonly cwd?: string;
  /** Host file that receives the command's stdout and stderr (appended; created mode 0600). Default /dev/null. */
  readonly consoleLog?: string;
  /** Named stricter sub-policies (core's JailOptions.subPolicies; rules without argument tests). */
  readonly subPolicies?: Readonly<Record<string, SubPolicy>>;
  /** The flags jail -m may change while the jail runs (core's JailOptions.changeableFlags). */
  readonly changeableFlags?: readonly ChangeableFlag[];
  /** rctl limits of this jail (sysjail --memory, --maxproc, --pcpu). */
  readonly limits?: readonly {
    readonly resource: string;
    readonly action: string;
    readonly amount: number;
  }[];
}

export type SupervisorRequest =
  | { readonly op: 'create'; readonly options: BackgroundJailOptions }
  /** SIGTERM to every process of the jail, `timeoutMs` to end, then SIGKILL; 0: SIGKILL at once. */
  | { readonly op: 'remove'; readonly jail: number | string; readonly timeoutMs?: number }
  /** jail -m: through core's runtime change of a running jail. */
  | {
      readonly op: 'modify';
      readonly jail: number | string;
      readonly change: JailChange;
      /** jail -m sysjail.move: a running process (its pid in the jail) moved to a sub-policy. */
      readonly move?: { readonly pid: number; readonly subPolicy: string };
    }
  | { readonly op: 'status' }
  | RunRequest;

/**
 * The hand-off of a jail of a command (jail(8), sysjail(1) without -b): the client's own argv and
 * environment, and the token it read from the supervisor's proof link (see supervisor-proof.ts). Sent as
 * one line; the connection stays open: the client then sends `{"signal":"SIGINT"}` lines (what it was
 * sent, to pass on to the jail's init), and its end of the connection stops the jail.
 */
export interface RunRequest {
  readonly op: 'run';
  readonly tool: 'jail' | 'sysjail';
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly proof: string;
}

/**
 * The supervisor's lines to a `run` client, in order. `back`: not taken (nothing was started): the
 * client starts the jail itself. `accepted`: the start begins; from here on the client never starts it
 * itself. Then `started` (with -i: the JID jail(8) prints on stdout, once the jail runs), or `failed`
 * (one error line, the status), and at the end `exit` (the status jail(8) exits with, its stderr lines).
 */
export type RunReply =
  | { readonly back: string }
  | { readonly accepted: true }
  | { readonly started: number; readonly stdout: string }
  | { readonly failed: string; readonly status: number }
  | { readonly exit: number; readonly stderr?: string };

export interface SupervisedJailStatus {
  readonly jid: number;
  readonly name?: string;
  readonly initPid: number;
}

export interface JailEnd {
  readonly code: number | null;
  readonly signal: string | null;
  readonly reason: string;
}

export type SupervisorReply =
  | { readonly ok: true; readonly jid: number; readonly initPid: number }
  | { readonly ok: true; readonly jid: number; readonly exit: JailEnd }
  | {
      readonly ok: true;
      readonly jid: number;
      readonly modified: readonly string[];
      /** Processes (host pids) killed because the stricter rules could not be stacked on them. */
      readonly killed?: readonly { readonly pid: number; readonly reason: string }[];
    }
  | {
      readonly ok: true;
      readonly pid: number;
      /** Resident and proportional set sizes of the supervisor process, in kB. */
      readonly rssKb: number;
      readonly pssKb?: number;
      readonly jails: readonly SupervisedJailStatus[];
    }
  | {
      readonly ok: false;
      /** A cli error code (NAME_IN_USE, JAIL_NOT_FOUND, NOT_SUPPORTED, ...). */
      readonly code: string;
      readonly message: string;
      /** 2: nothing was done because the request was wrong; 1: it failed. */
      readonly exitStatus: number;
      readonly jid?: number;
      readonly jailName?: string;
    };

/**
 * The signals jail(8) passes on to the jail's init, which passes them to the command: whether it keeps
 * the jail itself or a supervisor keeps it for it (the client sends them as `run` lines).
 */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Largest request or reply line. */
export const MAX_MESSAGE = 1 << 20;
