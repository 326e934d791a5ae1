/** Where the cgroup2 (unified) hierarchy is mounted, from /proc/self/mountinfo. */
import { readFileSync } from 'node:fs';
import { JailSetupError } from '../errors.js';

/** Undo mountinfo's octal escapes (\040 for a space ...). */
const unescapeOctal = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** Mount points of every cgroup2 filesystem in a mountinfo text, in order. */
export function cgroup2Mounts(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup2') continue;
    const fields = line.slice(0, sep).split(' ');
    // root (field 4) must be / : a bind mount of a subtree is not the hierarchy's root.
    if (fields[3] === '/' && fields[4]) out.push(unescapeOctal(fields[4]));
  }
  return out;
}

/** The first cgroup2 mount of this process; throws JailSetupError when there is none. */
export function findCgroup2Mount(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string {
  const [first] = cgroup2Mounts(mountinfo);
  if (first === undefined) throw new JailSetupError('no cgroup2 filesystem is mounted');
  return first;
}
