import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadUserError, UsageError } from '../errors.js';

/** A user of the jail, resolved in its /etc/passwd. */
export interface JailUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const userSyntax = /^(?:[0-9]+|[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?)$/;

export class UnknownJailUserError extends UsageError {
  constructor(readonly user: string) {
    super('UNKNOWN_USER', `unknown user in the jail: ${user}`);
  }
}

/**
 * `-u user` → uid and gid from the jail's own /etc/passwd (never the host's). A number is taken as a
 * uid: its passwd entry gives the gid if there is one, else gid = uid.
 */
export function resolveJailUser(root: string, user: string): JailUser {
  if (!userSyntax.test(user)) throw new BadUserError(user);
  let passwd = '';
  try {
    passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
  } catch {}
  const numeric = /^[0-9]+$/.test(user);
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    if (numeric ? f[2] === user : f[0] === user) {
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]) };
    }
  }
  if (numeric) return { name: user, uid: Number(user), gid: Number(user) };
  throw new UnknownJailUserError(user);
}
