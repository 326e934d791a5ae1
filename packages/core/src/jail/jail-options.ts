import type { BinfmtRule, Emulation } from '../emulation.js';
import type { JailLimit } from '../limits/jail-limits.js';
import type { ChangeableFlag, ChangeableRuleSet } from '../listen/jail-policy.js';
import type { Listener } from '../listen/listener.js';
import type { SubPolicy } from '../listen/sub-policy.js';
import type { Prison } from '../prison.js';
import type { Registry } from '../registry/registry.js';
import type { TerminalMode } from '../stdio/jail-stdio.js';
import type { SupervisionMode } from '../supervisor/supervisor.js';

export interface JailOptions {
  readonly prison: Prison;
  /** argv of the jailed command; argv[0] is looked up in the jail's PATH. */
  readonly command: readonly string[];
  readonly emulation: Emulation;
  /** Run the command as this uid/gid inside (looked up by the caller in the jail's /etc/passwd). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** Environment of the command (default: this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** The command's working directory inside the jail, entered as its user (default /). */
  readonly cwd?: string;
  /**
   * The caller's stdin, stdout and stderr for the command (default 0, 1, 2). They are relayed through
   * pipes (and a terminal of the jail's devpts, see `terminal`), never handed to the jail.
   */
  readonly stdio?: readonly [number, number, number];
  /** A terminal for the command: when stdin is one ('auto', default), always ('force'), never. */
  readonly terminal?: TerminalMode;
  /** Route denials through the supervisor so they are counted and audited (default true). */
  readonly auditDenials?: boolean;
  /** Record the jail in this registry (JID, jls); without one the JID is local to this process. */
  readonly registry?: Registry;
  /**
   * With `registry`: the file the caller keeps the jail's counters in (JailRecord.countersPath), named
   * in the record by the start (its `registry record` stage), so that the caller does not update the
   * record for it once started. The caller writes the file; sjls reads a missing one as no counters.
   */
  readonly countersPath?: (jid: number) => string;
  /**
   * A program loader for the jail (an emulation's `loader`: a static executable of this emulation's ABI
   * that runs programs the kernel cannot). The init keeps it in a sealed memfd; commands marked for it
   * run as `loader argv[0] argv...`, under this jail's filter like any program.
   */
  readonly loader?: string;
  /** Run the command under `loader`. */
  readonly underLoader?: boolean;
  /**
   * With `loader`: the kernel runs the loader for every exec in the jail of a file this rule matches (an
   * emulation's `binfmt`), whoever execs it (a Linux shell too). The jail then runs in an identity-mapped
   * user namespace of its own, which owns a private binfmt_misc instance holding this one rule (the
   * host's is never touched). It costs the jail what the capabilities its root keeps do only in the
   * initial user namespace: binding ports below 1024, raw sockets, chflags, raising hard limits (see
   * docs/design.md). Without it a jail has no user namespace and pays nothing.
   */
  readonly loaderBinfmt?: BinfmtRule;
  /**
   * Resource limits of this jail (sysjail --memory ...), in force with the rctl rules naming it (rctl -a,
   * /etc/rctl.conf); the strictest rule per resource wins.
   */
  readonly limits?: readonly JailLimit[];
  /**
   * No command (`command` empty): the jail runs what is exec'd into it (jexec, jail(8)'s exec.start)
   * and ends when its last process has ended, once one has run; with `persist` it stays with no
   * process until stopped.
   */
  readonly service?: { readonly persist: boolean };
  /**
   * Handlers for calls of the jail, run in this process (see Listener). The filter is compiled with
   * them: they cannot be added once the jail runs.
   */
  readonly listeners?: readonly Listener[];
  /**
   * Flags jail.change may switch while the jail runs. The calls they decide go to the supervisor, which
   * decides them by the current flags (calls decided on scalar arguments: the kernel's copy); the flag's
   * capability (CAP_NET_RAW, CAP_LINUX_IMMUTABLE) is kept from the start. Other flags cannot change.
   */
  readonly changeableFlags?: readonly ChangeableFlag[];
  /**
   * Named rule sets (deny and kill rules) jail.change({ ruleSets }) may switch on and off while the jail
   * runs: the calls they match go to the supervisor from the start, which decides them by the jail's
   * policy after the rules of the sets switched on (on the kernel's copy of the registers: scalars only;
   * a call they let through continues). Rules that only ever tighten need none of this: change({ rules }).
   */
  readonly changeableRules?: Readonly<Record<string, ChangeableRuleSet>>;
  /**
   * Named sub-policies: stricter rules a command exec'd into the jail (execInJail's subPolicy), or a
   * running process moved to one (jail.moveToSubPolicy), and every process it starts run under, as a
   * seccomp filter stacked on the jail's. Compiled at start.
   */
  readonly subPolicies?: Readonly<Record<string, SubPolicy>>;
  /**
   * Who serves the jail's seccomp listener and init channel: 'worker' (the default), supervisor worker
   * threads of this process; 'thread', this thread's event loop, without a worker thread (what one-shot
   * runs such as the jail command use: no second V8 isolate to boot). A service is always served by
   * worker threads. SYSJAIL_SUPERVISION=worker|thread overrides it (to run anything in the other mode).
   */
  readonly supervision?: SupervisionMode;
}
