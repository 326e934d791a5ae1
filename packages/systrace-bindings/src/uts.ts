// UTS namespace names: uname, sethostname, setdomainname.
import { syscall1, syscall2 } from './syscall.js';
import { sysno } from './sysno.js';

export interface Utsname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

export function uname(): Utsname {
  const buf = Buffer.alloc(6 * 65);
  syscall1(sysno.uname, buf);
  const field = (i: number) => {
    const s = buf.subarray(65 * i, 65 * (i + 1));
    const end = s.indexOf(0);
    return s.toString('utf8', 0, end < 0 ? 65 : end);
  };
  return {
    sysname: field(0),
    nodename: field(1),
    release: field(2),
    version: field(3),
    machine: field(4),
    domainname: field(5),
  };
}

/** sethostname(2) for the calling thread's UTS namespace. */
export function sethostname(name: string): void {
  const b = Buffer.from(name, 'utf8');
  syscall2(sysno.sethostname, b, b.length);
}

export function setdomainname(name: string): void {
  const b = Buffer.from(name, 'utf8');
  syscall2(sysno.setdomainname, b, b.length);
}
