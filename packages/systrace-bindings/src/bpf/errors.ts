// Errors of the classic-BPF assembler, validator and interpreter: one base class with a stable `code`.

/** Stable codes; callers switch on `code` (and `reason`), never on messages. */
export type BpfErrorCode = 'BPF_ASSEMBLE' | 'BPF_PROGRAM_TOO_LONG' | 'BPF_INVALID_PROGRAM' | 'BPF_DECODE';

export class BpfError extends Error {
  readonly code: BpfErrorCode;

  constructor(code: BpfErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Why the assembler refused a program. */
export type BpfAssembleReason =
  | 'unbound-label'
  | 'duplicate-label'
  | 'backward-jump'
  | 'label-past-end'
  | 'empty'
  | 'invalid-operand';

export class BpfAssembleError extends BpfError {
  readonly reason: BpfAssembleReason;

  constructor(reason: BpfAssembleReason, message: string) {
    super('BPF_ASSEMBLE', `${reason}: ${message}`);
    this.reason = reason;
  }
}

/** The assembled program is longer than BPF_MAXINSNS (trampolines included). */
export class BpfProgramTooLongError extends BpfError {
  readonly length: number;
  readonly max: number;

  constructor(length: number, max: number) {
    super('BPF_PROGRAM_TOO_LONG', `program has ${length} instructions, the kernel accepts at most ${max}`);
    this.length = length;
    this.max = max;
  }
}

/**
 * Why the kernel would refuse a seccomp filter (EINVAL from seccomp(SECCOMP_SET_MODE_FILTER)), named
 * after the check in bpf_check_classic / check_load_and_stores / seccomp_check_filter that fails.
 */
export type BpfInvalidReason =
  | 'empty'
  | 'too-long'
  | 'opcode-not-allowed'
  | 'division-by-zero'
  | 'shift-out-of-range'
  | 'mem-index-out-of-range'
  | 'jump-out-of-range'
  | 'no-final-ret'
  | 'mem-uninitialized'
  | 'load-out-of-bounds'
  | 'load-misaligned';

export class BpfInvalidProgramError extends BpfError {
  readonly reason: BpfInvalidReason;
  /** Index of the offending instruction, when there is one. */
  readonly pc: number | undefined;

  constructor(reason: BpfInvalidReason, pc: number | undefined, detail: string) {
    super('BPF_INVALID_PROGRAM', `${reason}${pc === undefined ? '' : ` at ${pc}`}: ${detail}`);
    this.reason = reason;
    this.pc = pc;
  }
}

/** Bytes that are not a whole number of struct sock_filter. */
export class BpfDecodeError extends BpfError {
  constructor(message: string) {
    super('BPF_DECODE', message);
  }
}
