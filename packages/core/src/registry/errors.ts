/**
 * The registry's errors, each with a stable `code`. (They belong with core's errors.ts; kept here while
 * that file is another engineer's. Same shape: `code` stable, message for people.)
 */
export class RegistryError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Another live jail already has this name. */
export class JailNameInUseError extends RegistryError {
  constructor(
    readonly jailName: string,
    readonly jid: number,
  ) {
    super('EJAILNAMEINUSE', `jail name "${jailName}" is in use by jail ${jid}`);
  }
}

/** No live jail has this JID (update of a removed jail). */
export class JailRecordNotFoundError extends RegistryError {
  constructor(readonly jid: number) {
    super('EJAILNOTFOUND', `no jail with JID ${jid}`);
  }
}

/** Every JID up to `JID_MAX` is taken by a live jail. */
export class NoFreeJidError extends RegistryError {
  constructor() {
    super('ENOFREEJID', 'no free JID');
  }
}

/** The registry lock could not be taken in time (a live holder kept it). */
export class RegistryLockTimeoutError extends RegistryError {
  constructor(
    readonly lockPath: string,
    readonly holder: string,
  ) {
    super(
      'EREGISTRYLOCK',
      `timed out waiting for the registry lock ${lockPath} (held by ${holder || 'unknown'})`,
    );
  }
}

/** A record file that is not a jail record. */
export class BadJailRecordError extends RegistryError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('EBADJAILRECORD', `bad jail record ${file}: ${detail}`);
  }
}
