export { JexecError, JexecRefusedError, JexecUnavailableError, JexecUnknownUserError } from './errors.js';
export type { ExecInJailOptions, JailExec, JailExecExit } from './exec-in-jail.js';
export { execInJail } from './exec-in-jail.js';
export type { JexecExec, JexecServer, JexecServerOptions } from './jexec-server.js';
export { startJexecServer } from './jexec-server.js';
export type { PasswdUser } from './passwd-user.js';
export { lookupPasswdUser, PASSWD_MAX_BYTES, readPasswd } from './passwd-user.js';
export type { JexecClientMessage, JexecRequest, JexecServerMessage, JexecSignal } from './protocol.js';
export { jexecSocketPath } from './socket-path.js';
