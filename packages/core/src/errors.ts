/** Base of every error core throws; `code` is stable, the message is for people. */
export class SysjailError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A prison or jail option that cannot work (bad path, address, hostname ...). */
export class PrisonConfigError extends SysjailError {
  constructor(message: string) {
    super('EPRISONCONFIG', message);
  }
}

/** A policy that cannot be compiled (unknown syscall or errno, bad argument test). */
export class PolicyError extends SysjailError {
  constructor(message: string) {
    super('EPOLICY', message);
  }
}

/** Setting up the jail failed: nothing was started. */
export class JailSetupError extends SysjailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EJAILSETUP', message, options);
  }
}

/** startJail without an emulation: core holds no syscall table, errno map or policy of its own. */
export class NoEmulationError extends SysjailError {
  constructor() {
    super(
      'ENOEMULATION',
      'no emulation given: @sysjail/core cannot run a jail alone; pass one (linux from @sysjail/emul-linux)',
    );
  }
}

/** An rctl(8) rule or filter that cannot be parsed or is not supported (the rule and why). */
export class RctlRuleError extends SysjailError {
  constructor(
    readonly rule: string,
    reason: string,
  ) {
    super('ERCTLRULE', `${rule}: ${reason}`);
  }
}

/** A resource limit could not be applied (the cgroup file and why). */
export class LimitError extends SysjailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ELIMIT', message, options);
  }
}

/** A file under a jail root that host-side code will not touch as asked (a FIFO, a link in the way, too big). */
export class JailFileError extends SysjailError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super('EJAILFILE', `${path}: ${reason}`);
  }
}

/** A jail path that a host user other than root can reach, or the host's root itself. */
export class JailPathError extends SysjailError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('EJAILPATH', message);
  }
}
