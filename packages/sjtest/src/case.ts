/** A test case is data: which promise, which victim runs which probe, what outcome keeps the promise. */

/**
 * The victim that runs a probe: the static 64-bit program, the static i386 one, busybox sh, or the
 * freestanding FreeBSD amd64 program (for tools that run FreeBSD programs).
 */
export type Victim = 'v64' | 'v32' | 'sh' | 'fbsd';

/**
 * A confinement the caller of the jail tool is under: no_new_privs, a seccomp filter (refusing getcpu
 * with EPERM), a Landlock domain (no writing anywhere), a bounding set without CAP_FSETID.
 */
export type Confinement = 'no-new-privs' | 'seccomp' | 'landlock' | 'bounding-set';

/** What keeps the promise. Anything the victim reports that is not listed breaks it. */
export interface Expect {
  /** the call failed with one of these errno names */
  readonly errno?: readonly string[];
  /** the probe was killed by a signal (e.g. SIGSYS from a seccomp filter) */
  readonly killed?: boolean;
  /** the call succeeded */
  readonly ok?: boolean;
  /** the reported value is one of these; `{ip}`, `{hostname}` and `{token}` are substituted */
  readonly value?: readonly string[];
  /** no report because the whole jail ended (reboot) */
  readonly ended?: boolean;
  /** the jail tool refused to run the jail at all (see Case.reachableRoot, Case.caller) */
  readonly refused?: boolean;
  /** errno names or values that prove nothing either way */
  readonly inconclusive?: readonly string[];
}

export interface Case {
  /** stable id, `area.name`; i386 variants are `i386.<id>` */
  readonly id: string;
  readonly tags: readonly string[];
  /** the promise checked, one line */
  readonly promise: string;
  readonly victim: Victim;
  /** the victim's probe name, or for `sh` a shell snippet calling `value`, `ok`, `err` */
  readonly probe: string;
  readonly arg?: string;
  readonly expect: Expect;
  /** a functional check: something that must keep working inside the jail */
  readonly functional?: boolean;
  /** run in a jail of its own (reboot ends the jail) */
  readonly solo?: boolean;
  /**
   * What the runner gives the jail tool as its standard input (default: nothing): the directory outside
   * the root, a TCP connection to the host's 127.0.0.1 service, or a terminal of the runner's (the
   * victim's `ptyrun` gives the verdict: whether the terminal changed).
   */
  readonly stdin?: 'directory' | 'socket' | 'terminal';
  /**
   * Run (solo) with the jail root reachable by host users (its parent opened to 0755 for the run), as a
   * tool may be given it: the case checks what the tool makes of that.
   */
  readonly reachableRoot?: boolean;
  /**
   * Run (solo) from a caller under this confinement (the 64-bit victim's `confined` mode confines itself
   * and execs the tool's command line), and once more from a plain caller: the control, what the jail
   * gives without it (see caller.ts).
   */
  readonly caller?: Confinement;
}

/** What a victim reported for one probe. */
export interface Outcome {
  readonly kind: 'ok' | 'err' | 'value' | 'killed' | 'timeout' | 'unproven' | 'skip' | 'missing' | 'refused';
  readonly errno?: string;
  readonly value?: string;
  readonly detail: string;
}

/** kept: promise kept (or function works); broken: promise broken (or function fails). */
export type Status = 'kept' | 'broken' | 'inconclusive' | 'skipped' | 'error';

export interface CaseResult {
  readonly case: Case;
  readonly status: Status;
  readonly outcome: Outcome;
}
