// What the tools ask of the shared supervisor: start a background jail (sysjail -b, jail -c), remove one
// with the stop sequence (jail -r), change one (jail -m), and its status.
import { type JailRecord, jailEnvironment } from '@sysjail/core';
import { CliError, JailNameTakenError, JailNotFoundError } from '../errors.js';
import type {
  BackgroundJailOptions,
  JailChange,
  JailEnd,
  SupervisedJailStatus,
  SupervisorReply,
} from './protocol.js';
import { requestAt, supervisorRequest } from './supervisor-client.js';
import { socketOfSupervisor } from './supervisor-files.js';

type Failure = Extract<SupervisorReply, { ok: false }>;

function thrown(f: Failure): Error {
  if (f.code === 'NAME_IN_USE' && f.jailName !== undefined && f.jid !== undefined) {
    return new JailNameTakenError(f.jailName, f.jid);
  }
  return new CliError(f.code, f.message, f.exitStatus);
}

function answered(reply: SupervisorReply | undefined): Exclude<SupervisorReply, Failure> {
  if (!reply) throw new CliError('SUPERVISOR_FAILED', 'the sysjail supervisor is not running', 1);
  if (!reply.ok) throw thrown(reply);
  return reply;
}

/**
 * Starts a jail in the shared supervisor (starting the supervisor if none runs) and resolves once the
 * jail's command runs: its JID and its init's pid. The command's environment is the caller's (with the
 * jail's PATH) unless `options.env` says otherwise.
 */
export async function startBackgroundJail(
  options: BackgroundJailOptions,
): Promise<{ readonly jid: number; readonly initPid: number }> {
  const reply = answered(
    await supervisorRequest(
      { op: 'create', options: { ...options, env: options.env ?? jailEnvironment() } },
      { start: true },
    ),
  );
  if (!('initPid' in reply)) throw new CliError('SUPERVISOR_FAILED', 'unexpected reply to create', 1);
  return { jid: reply.jid, initPid: reply.initPid };
}

/** The control socket of the shared supervisor that hosts this jail, if one does. */
export function supervisorSocketOf(record: JailRecord): string | undefined {
  return socketOfSupervisor(record.supervisorPid);
}

/**
 * Removes a jail the shared supervisor hosts: SIGTERM to each of its processes, up to `timeoutMs` for
 * them to end, then SIGKILL; resolves once nothing of it is left.
 */
export async function removeBackgroundJail(record: JailRecord, timeoutMs?: number): Promise<JailEnd> {
  const socket = supervisorSocketOf(record);
  if (!socket) throw new JailNotFoundError(record.name ?? record.jid);
  const reply = answered(
    await requestAt(socket, {
      op: 'remove',
      jail: record.jid,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    }),
  );
  if (!('exit' in reply)) throw new CliError('SUPERVISOR_FAILED', 'unexpected reply to remove', 1);
  return reply.exit;
}

/**
 * jail -m: changes a running jail the shared supervisor hosts; resolves with the fields changed and the
 * processes killed because stricter rules could not be stacked on them (change.rules).
 */
export async function modifyBackgroundJail(
  record: JailRecord,
  change: JailChange,
  move?: { readonly pid: number; readonly subPolicy: string },
): Promise<{
  readonly modified: readonly string[];
  readonly killed: readonly { readonly pid: number; readonly reason: string }[];
}> {
  const socket = supervisorSocketOf(record);
  if (!socket) {
    throw new CliError('NOT_SUPPORTED', `jail ${record.jid} is not hosted by the shared supervisor`, 1);
  }
  const reply = answered(
    await requestAt(socket, { op: 'modify', jail: record.jid, change, ...(move ? { move } : {}) }),
  );
  if (!('modified' in reply)) throw new CliError('SUPERVISOR_FAILED', 'unexpected reply to modify', 1);
  return { modified: reply.modified, killed: reply.killed ?? [] };
}

export interface SupervisorStatus {
  readonly pid: number;
  readonly rssKb: number;
  readonly pssKb?: number;
  readonly jails: readonly SupervisedJailStatus[];
}

/** The shared supervisor of this build, if it runs. */
export async function supervisorStatus(): Promise<SupervisorStatus | undefined> {
  const reply = await supervisorRequest({ op: 'status' }, { start: false });
  if (!reply) return undefined;
  const r = answered(reply);
  if (!('rssKb' in r)) throw new CliError('SUPERVISOR_FAILED', 'unexpected reply to status', 1);
  return r;
}
