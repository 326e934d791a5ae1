// The jexec wire protocol: one JSON object per line over the jail's unix socket (SOCK_STREAM).

/** client → supervisor, first line: run argv in the jail. */
export interface JexecRequest {
  readonly type: 'exec';
  readonly argv: readonly string[];
  readonly uid: number;
  readonly gid: number;
  /** The client's descriptors to give the command as stdin, stdout, stderr (taken with pidfd_getfd). */
  readonly fds: readonly [number, number, number];
  /** A clean environment for the command (run through the jail's env(1)); absent: the jail's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Start in this directory inside the jail (through the jail's /bin/sh); absent: /. */
  readonly cwd?: string;
  /** Run the command under the jail's program loader (JailOptions.loader). */
  readonly underLoader?: boolean;
  /** Run the command (and so its descendants) under this named sub-policy of the jail, stacked. */
  readonly subPolicy?: string;
}

/** client → supervisor, later lines: forward a signal to the command's process group. */
export interface JexecSignal {
  readonly type: 'signal';
  readonly signal: number;
}

export type JexecClientMessage = JexecRequest | JexecSignal;

export type JexecServerMessage =
  /** The command runs: its pid inside the jail and on the host. */
  | { readonly type: 'started'; readonly pid: number; readonly hostPid?: number }
  /** Nothing runs: `code` a stable reason (EPERM, EINVAL, E2BIG, spawn errno name ...). */
  | { readonly type: 'error'; readonly code: string; readonly message: string }
  /** The command ended: its wait status; `jailGone` when the jail ended first (status: SIGKILL). */
  | { readonly type: 'exit'; readonly status: number; readonly jailGone?: boolean };

/** The largest request line the supervisor reads. */
export const MAX_REQUEST_BYTES = 256 * 1024;
