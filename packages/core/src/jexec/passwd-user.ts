import { readFileSync } from 'node:fs';
import { readFileInRoot } from '@sysjail/systrace-bindings';

/** One passwd(5) entry. */
export interface PasswdUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** A user by name or uid in `<root>/etc/passwd` (root '/' for the host's); undefined if it has no entry. */
export function lookupPasswdUser(root: string, user: string | number): PasswdUser | undefined {
  let text = '';
  try {
    // a jail's passwd is read inside its root (no link followed out, regular file, bounded)
    text =
      root === '/'
        ? readFileSync('/etc/passwd', 'utf8')
        : (readFileInRoot(root, '/etc/passwd', 4 << 20)?.toString('utf8') ?? '');
  } catch {}
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
