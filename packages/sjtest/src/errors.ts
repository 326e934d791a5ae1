/** Errors of sjtest, each with a stable `code`. */
export class SjtestError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SjtestError';
    this.code = code;
  }
}

/** A command-line option or template that cannot be used. */
export class UsageError extends SjtestError {
  constructor(message: string) {
    super('SJTEST_USAGE', message);
    this.name = 'UsageError';
  }
}

/** The victims could not be compiled. */
export class BuildError extends SjtestError {
  constructor(message: string) {
    super('SJTEST_BUILD', message);
    this.name = 'BuildError';
  }
}
