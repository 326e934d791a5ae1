/**
 * The cli's errors. Each has a stable `code`; the cli alone maps them to exit statuses
 * (`exitStatusOf`): a usage error (the command line itself is wrong: options, operands, their syntax)
 * exits 2 and is followed by the synopsis; a runtime error (the host's state: jail not found, not root,
 * path missing, start failed) exits 1 with one line. Nothing is started in either case.
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitStatus: number;
  constructor(code: string, message: string, exitStatus: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitStatus = exitStatus;
  }
}

/** Bad command line or an invalid jail description: exit status 2, the synopsis follows the message. */
export class UsageError extends CliError {
  constructor(code: string, message: string) {
    super(code, message, 2);
  }
}

/** The command line is fine but the host's state refuses it: exit status 1, one line. */
export class RuntimeError extends CliError {
  constructor(code: string, message: string) {
    super(code, message, 1);
  }
}

export class UnknownOptionError extends UsageError {
  constructor(readonly option: string) {
    super('UNKNOWN_OPTION', `unknown option: ${option}`);
  }
}

export class MissingOptionArgumentError extends UsageError {
  constructor(readonly option: string) {
    super('MISSING_OPTION_ARGUMENT', `option requires an argument: ${option}`);
  }
}

export class MissingArgumentError extends UsageError {
  constructor(readonly what: string) {
    super('MISSING_ARGUMENT', `missing ${what}`);
  }
}

export class MissingPathError extends UsageError {
  constructor() {
    super('MISSING_PATH', 'missing jail path');
  }
}

export class RelativePathError extends UsageError {
  constructor(readonly path: string) {
    super('RELATIVE_PATH', `jail path must be absolute: ${path}`);
  }
}

export class PathNotFoundError extends RuntimeError {
  constructor(readonly path: string) {
    super('PATH_NOT_FOUND', `jail path does not exist: ${path}`);
  }
}

export class NotADirectoryError extends RuntimeError {
  constructor(readonly path: string) {
    super('NOT_A_DIRECTORY', `jail path is not a directory: ${path}`);
  }
}

export class HostRootPathError extends UsageError {
  constructor(readonly path: string) {
    super('HOST_ROOT_PATH', `jail path ${path} is the host's root directory`);
  }
}

/** A jail path that host users other than root can reach (see core's jailPathExposure): exit 1. */
export class JailPathReachableError extends RuntimeError {
  constructor(message: string) {
    super('JAIL_PATH_REACHABLE', message);
  }
}

export class BadHostnameError extends UsageError {
  constructor(
    readonly hostname: string,
    reason: string,
  ) {
    super('BAD_HOSTNAME', `invalid hostname "${hostname}": ${reason}`);
  }
}

export class BadAddressError extends UsageError {
  constructor(readonly address: string) {
    super('BAD_ADDRESS', `invalid IP address: ${address}`);
  }
}

/** 127.0.0.1, ::1, 127.0.0.0, 127.255.255.255 without --allow-host-loopback. */
export class HostLoopbackAddressError extends UsageError {
  constructor(
    readonly address: string,
    role: string,
    option = '--allow-host-loopback',
  ) {
    super(
      'HOST_LOOPBACK_ADDRESS',
      `address ${address} is ${role}: a jail on it would reach the host's services there ` +
        `(use another address, or ${option} if the host's loopback is meant)`,
    );
  }
}

export class NoCommandError extends UsageError {
  constructor() {
    super('NO_COMMAND', 'no command given');
  }
}

export class BadNameError extends UsageError {
  constructor(
    readonly jailName: string,
    reason: string,
  ) {
    super('BAD_NAME', `invalid jail name "${jailName}": ${reason}`);
  }
}

export class BadUserError extends UsageError {
  constructor(readonly user: string) {
    super('BAD_USER', `invalid user: ${user}`);
  }
}

export class NotRootError extends RuntimeError {
  constructor(tool: string) {
    super('NOT_ROOT', `${tool} must be run as root`);
  }
}

export class DirectoryNotEmptyError extends RuntimeError {
  constructor(readonly path: string) {
    super('DIRECTORY_NOT_EMPTY', `${path} is not empty (use -f to build into it anyway)`);
  }
}

/** tar and debootstrap follow links a jail may have planted: they only write into an empty directory. */
export class HostToolNeedsEmptyDirectoryError extends RuntimeError {
  constructor(
    readonly path: string,
    readonly option: string,
  ) {
    super(
      'DIRECTORY_NOT_EMPTY',
      `${path} is not empty: ${option} writes with a host tool that would follow links planted there (give it a new or empty directory)`,
    );
  }
}

export class BinaryNotFoundError extends RuntimeError {
  constructor(readonly binary: string) {
    super('BINARY_NOT_FOUND', `no such binary: ${binary}`);
  }
}

/** No emulation package is installed: nothing can run a jail's command. Exit status 1. */
export class NoEmulationError extends CliError {
  constructor() {
    super('NO_EMULATION', 'no emulation installed', 1);
  }
}

/** As FreeBSD's libjail says it: `jail 5 not found`, `jail "web" not found`. Exit status 1, as FreeBSD's. */
export class JailNotFoundError extends RuntimeError {
  constructor(readonly jail: number | string) {
    super('JAIL_NOT_FOUND', typeof jail === 'number' ? `jail ${jail} not found` : `jail "${jail}" not found`);
  }
}

/** -n: another live jail has this name (names are unique). Exit status 1, nothing started. */
export class JailNameTakenError extends RuntimeError {
  constructor(
    readonly jailName: string,
    readonly jid: number,
  ) {
    super('NAME_IN_USE', `jail name "${jailName}" is in use by jail ${jid}`);
  }
}

export class BusyboxNotFoundError extends RuntimeError {
  constructor(readonly path: string) {
    super('BUSYBOX_NOT_FOUND', `no busybox at ${path} (install busybox-static)`);
  }
}

export class SharedLibraryError extends RuntimeError {
  constructor(
    readonly binary: string,
    detail: string,
  ) {
    super('SHARED_LIBRARY', `cannot resolve the libraries of ${binary}: ${detail}`);
  }
}

export class NotAJailRootError extends RuntimeError {
  constructor(readonly path: string) {
    super('NOT_A_DIRECTORY', `${path} exists and is not a directory`);
  }
}

export class UnknownParameterError extends UsageError {
  constructor(readonly parameter: string) {
    super('UNKNOWN_PARAMETER', `unknown parameter: ${parameter}`);
  }
}

/** Exit status for anything thrown by a tool: a CliError's own, 1 for anything else. */
export function exitStatusOf(error: unknown): number {
  return error instanceof CliError ? error.exitStatus : 1;
}

type ConfPos = { readonly file: string; readonly line: number; readonly column: number };

/**
 * A jail.conf(5) file that cannot be used: a runtime error (exit 1), nothing is created.
 * Message: `file:line:column: what`.
 */
export class JailConfError extends CliError {
  constructor(
    readonly pos: ConfPos | undefined,
    readonly detail: string,
    code = 'JAIL_CONF',
  ) {
    super(code, pos && pos.file !== '' ? `${pos.file}:${pos.line}:${pos.column}: ${detail}` : detail, 1);
  }
}

/** A bad jail parameter on the command line (jail -c param=value, jail -m): a usage error, exit 2. */
export class JailParamError extends UsageError {
  constructor(readonly detail: string) {
    super('JAIL_PARAM', detail);
  }
}

/** The error for a jail description: of its file (with the position), or of the command line. */
export function jailDescriptionError(pos: ConfPos | undefined, detail: string): CliError {
  return pos && pos.file === '' ? new JailParamError(detail) : new JailConfError(pos, detail);
}

/** Bad jail.conf(5) syntax. */
export class JailConfSyntaxError extends JailConfError {
  constructor(
    pos: { readonly file: string; readonly line: number; readonly column: number },
    detail: string,
  ) {
    super(pos, detail, 'JAIL_CONF_SYNTAX');
  }
}

/** A jail(8) hook command failed (non-zero status, signal, timeout): the jail was not created or removed. */
export class HookFailedError extends CliError {
  constructor(
    readonly jailName: string,
    readonly commandLine: string,
    how: string,
  ) {
    super('HOOK_FAILED', `${jailName}: ${commandLine}: ${how}`, 1);
  }
}

/** jail -c of a jail that exists already. */
export class JailExistsError extends CliError {
  constructor(readonly jailName: string) {
    super('JAIL_EXISTS', `${jailName}: already exists`, 1);
  }
}

/** Something jail(8) has in FreeBSD that sysjail does not do (yet): nothing was done. */
export class NotSupportedError extends UsageError {
  constructor(what: string) {
    super('NOT_SUPPORTED', what);
  }
}
