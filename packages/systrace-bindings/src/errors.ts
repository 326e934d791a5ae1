// Errors of @sysjail/systrace-bindings: one base class with a stable `code`.
import { errnoName } from './errno.js';

export { errnoName, errnoNames, errnoNumber, errnoNumbers } from './errno.js';

/** Stable codes; callers switch on `code`, never on messages. */
export type SysjailBindingsErrorCode =
  | 'SYSCALL_FAILED'
  | 'NOTIFICATION_GONE'
  | 'SHORT_TRANSFER'
  | 'STRING_TOO_LONG'
  | 'INVALID_ARGUMENT'
  | 'SETUP_OP_FAILED'
  | 'SPAWN_FAILED'
  | 'POOL_CLOSED'
  | 'INJECTION_REFUSED'
  | 'INJECTION_FAILED';

export class SysjailBindingsError extends Error {
  readonly code: SysjailBindingsErrorCode;

  constructor(code: SysjailBindingsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A system call returned -1; `errno` is the kernel's error number, `errnoName` its name ('EPERM'). */
export class SyscallError extends SysjailBindingsError {
  readonly syscall: string;
  readonly errno: number;
  readonly errnoName: string;

  constructor(syscall: string, errno: number, code: SysjailBindingsErrorCode = 'SYSCALL_FAILED') {
    const name = errnoName(errno);
    super(code, `${syscall}: ${name} (errno ${errno})`);
    this.syscall = syscall;
    this.errno = errno;
    this.errnoName = name;
  }
}

/**
 * A seccomp notification no longer exists (ENOENT from SECCOMP_IOCTL_NOTIF_RECV/SEND/ADDFD): the task
 * died, or a signal interrupted its system call. Not a failure of the supervisor: drop the id.
 */
export class NotificationGoneError extends SyscallError {
  constructor(syscall: string, errno: number) {
    super(syscall, errno, 'NOTIFICATION_GONE');
  }
}

/** process_vm_readv/process_vm_writev moved fewer bytes than asked (an unmapped page). */
export class ShortTransferError extends SysjailBindingsError {
  readonly requested: number;
  readonly transferred: number;

  constructor(syscall: string, requested: number, transferred: number) {
    super('SHORT_TRANSFER', `${syscall}: ${transferred} of ${requested} bytes`);
    this.requested = requested;
    this.transferred = transferred;
  }
}

/** No NUL within the caller's bound when reading a C string from another process. */
export class CStringTooLongError extends SysjailBindingsError {
  readonly max: number;

  constructor(max: number) {
    super('STRING_TOO_LONG', `no NUL within ${max} bytes`);
    this.max = max;
  }
}

export class InvalidArgumentError extends SysjailBindingsError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A launcher setup operation failed; nothing was spawned. */
export class SetupOpError extends SysjailBindingsError {
  /** The operation's tag, e.g. 'unshare', 'mountProc'. */
  readonly op: string;
  /** Its index in the setup list. */
  readonly index: number;
  /** The failing system call and errno, when a system call failed. */
  readonly syscall: string | undefined;
  readonly errno: number | undefined;
  readonly errnoName: string | undefined;

  constructor(op: string, index: number, detail: { syscall?: string; errno?: number; message?: string }) {
    const what =
      detail.errno !== undefined
        ? `${detail.syscall ?? '?'}: ${errnoName(detail.errno)} (errno ${detail.errno})`
        : (detail.message ?? 'failed');
    super('SETUP_OP_FAILED', `setup op #${index} '${op}' failed: ${what}`);
    this.op = op;
    this.index = index;
    this.syscall = detail.syscall;
    this.errno = detail.errno;
    this.errnoName = detail.errno !== undefined ? errnoName(detail.errno) : undefined;
  }
}

/** The launcher could not start the child (worker died, spawn failed after setup). */
export class SpawnError extends SysjailBindingsError {
  readonly errnoName: string | undefined;

  constructor(message: string, errnoName?: string, options?: { cause?: unknown }) {
    super('SPAWN_FAILED', message, options);
    this.errnoName = errnoName;
  }
}

export class PoolClosedError extends SysjailBindingsError {
  constructor() {
    super('POOL_CLOSED', 'spawner pool is closed');
  }
}

/**
 * A filter cannot be stacked on this thread by injection (a thread in 32-bit mode, no place to run the
 * call); nothing was changed in it.
 */
export class InjectionRefusedError extends SysjailBindingsError {
  constructor(message: string) {
    super('INJECTION_REFUSED', message);
  }
}

/**
 * An injection went wrong after the thread was changed (it did not stop where it had to, its memory
 * could not be restored): the thread's state is not known to be its own any more. Kill its process.
 */
export class InjectionFailedError extends SysjailBindingsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INJECTION_FAILED', message, options);
  }
}
