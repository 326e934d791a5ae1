import { SyscallError } from '@sysjail/systrace-bindings';
import { JailRoot } from '../root/root-files.js';

/** One passwd(5) entry. */
export interface PasswdUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** The most of a passwd file read (a jail's is the jail's to fill). */
export const PASSWD_MAX_BYTES = 4 << 20;

/**
 * `<root>/etc/passwd` (root '/' for the host's), read through JailRoot: resolved inside the root, a
 * regular file only, non-blocking, at most PASSWD_MAX_BYTES (else JailFileError). '' if there is none.
 */
export function readPasswd(root: string): string {
  let r: JailRoot;
  try {
    r = new JailRoot(root);
  } catch (e) {
    if (e instanceof SyscallError && e.errnoName === 'ENOENT') return '';
    throw e;
  }
  try {
    return r.readFile('etc/passwd', PASSWD_MAX_BYTES)?.toString('utf8') ?? '';
  } finally {
    r.close();
  }
}

/** A user by name or uid in `<root>/etc/passwd` (root '/' for the host's); undefined if it has no entry. */
export function lookupPasswdUser(root: string, user: string | number): PasswdUser | undefined {
  return passwdEntry(readPasswd(root), user);
}

/** The entry of `user` (name or uid) in the text of a passwd file; undefined if it has none. */
export function passwdEntry(text: string, user: string | number): PasswdUser | undefined {
  const key = String(user);
  const numeric = /^[0-9]+$/.test(key);
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    if (numeric ? f[2] === key : f[0] === key) {
      return {
        name: f[0],
        uid: Number(f[2]),
        gid: Number(f[3]),
        home: f[5] || '/',
        shell: f[6] || '/bin/sh',
      };
    }
  }
  return undefined;
}
