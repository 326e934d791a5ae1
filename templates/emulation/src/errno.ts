// errno name → number as this ABI numbers them. Policies and handlers speak of errnos by name; the
// supervisor answers with these numbers. __NAME__'s programs are Linux programs: Linux's numbering.
import { linuxErrno } from '@sysjail/emul-linux';

export const __NAME__Errno: Readonly<Record<string, number>> = linuxErrno;
