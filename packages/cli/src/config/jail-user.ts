import { readPasswd } from '@sysjail/core';
import { BadUserError, RuntimeError } from '../errors.js';

/** The user a jail's command runs as, resolved in a passwd file (the host's for -u, the jail's for -U). */
export interface JailUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const userSyntax = /^(?:[0-9]+|[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?)$/;

export class UnknownJailUserError extends RuntimeError {
  constructor(
    readonly user: string,
    where: 'host' | 'jail',
  ) {
    super('UNKNOWN_USER', where === 'jail' ? `unknown user in the jail: ${user}` : `unknown user: ${user}`);
  }
}

/**
 * `user` → uid and gid from `root`'s /etc/passwd (`/` for the host's: jail -u; the jail path: jail -U).
 * A number is taken as a uid: its passwd entry gives the gid if there is one, else gid = uid.
 */
export function resolveJailUser(root: string, user: string): JailUser {
  if (!userSyntax.test(user)) throw new BadUserError(user);
  // Resolved inside the root, a regular file only, bounded (a FIFO there is an error, not a hang).
  const passwd = readPasswd(root);
  const numeric = /^[0-9]+$/.test(user);
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    if (numeric ? f[2] === user : f[0] === user) {
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]) };
    }
  }
  if (numeric) return { name: user, uid: Number(user), gid: Number(user) };
  throw new UnknownJailUserError(user, root === '/' ? 'host' : 'jail');
}
