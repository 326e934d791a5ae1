/**
 * FreeBSD's clean environment for a jailed command (jail -l, exec.clean, jexec -l): only HOME and SHELL
 * of the user's passwd entry in the jail, USER (and LOGNAME) the user's name, TERM from the caller, and
 * the login PATH. The jail's passwd is read inside its root (no link followed out), regular file only,
 * bounded: the jail may have planted anything there.
 */
import { readFileInRoot } from '@sysjail/systrace-bindings';
import { type PasswdUser, passwdEntry } from '../jexec/passwd-user.js';

export const LOGIN_PATH = '/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin';

/** The passwd entry of `user` (name or uid) in the jail's /etc/passwd, read safely; undefined if none. */
export function jailPasswdEntry(root: string, user: string | number): PasswdUser | undefined {
  return passwdEntry(readFileInRoot(root, '/etc/passwd', 4 << 20)?.toString('utf8') ?? '', user);
}

/**
 * The clean login environment for `uid` in the jail at `root`. A uid without a passwd entry gets its
 * number as USER, HOME=/ and SHELL=/bin/sh.
 */
export function loginEnvironment(
  root: string,
  uid: number,
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const u = jailPasswdEntry(root, uid) ?? { name: String(uid), home: '/', shell: '/bin/sh' };
  return {
    HOME: u.home,
    SHELL: u.shell,
    USER: u.name,
    LOGNAME: u.name,
    ...(from.TERM ? { TERM: from.TERM } : {}),
    PATH: LOGIN_PATH,
  };
}
