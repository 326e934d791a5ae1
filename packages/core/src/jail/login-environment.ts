/**
 * FreeBSD's clean environment for a jailed command (jail -l, exec.clean, jexec -l): only HOME and SHELL
 * of the user's passwd entry in the jail, USER (and LOGNAME) the user's name, TERM from the caller, and
 * the login PATH. The jail's passwd is read as jexec reads it (readPasswd: through JailRoot, inside the
 * root, regular file only, non-blocking, bounded): the jail may have planted anything there.
 */
import { lookupPasswdUser, type PasswdUser } from '../jexec/passwd-user.js';

export const LOGIN_PATH = '/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin';

/**
 * The passwd entry of `user` (name or uid) in the jail's /etc/passwd; undefined if none. A FIFO, device
 * or directory planted there, or a file over PASSWD_MAX_BYTES, is a JailFileError.
 */
export function jailPasswdEntry(root: string, user: string | number): PasswdUser | undefined {
  return lookupPasswdUser(root, user);
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
