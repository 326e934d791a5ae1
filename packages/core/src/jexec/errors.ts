import { SysjailError } from '../errors.js';

/** jexec could not run the command in the jail; `code` says why (stable), the message is for people. */
export class JexecError extends SysjailError {}

/** The jail has no jexec socket, or nothing answers on it (its supervisor is gone). */
export class JexecUnavailableError extends JexecError {
  constructor(
    readonly jid: number,
    reason: string,
  ) {
    super('EJEXECUNAVAILABLE', `jail ${jid}: cannot reach its supervisor (${reason})`);
  }
}

/** A user name that the chosen passwd file does not know. */
export class JexecUnknownUserError extends JexecError {
  constructor(
    readonly user: string,
    where: 'host' | 'jail',
  ) {
    super('EJEXECUSER', `unknown user ${where === 'jail' ? 'in the jail' : 'on the host'}: ${user}`);
  }
}

/** The jail's supervisor refused the request or could not start the command. */
export class JexecRefusedError extends JexecError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super('EJEXECREFUSED', message);
  }
}
