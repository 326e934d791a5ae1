/** The FreeBSD emulation: data and detection only; the Linux kernel has no FreeBSD ABI to run the binary. */
import type { Emulation } from '@sysjail/core';
import { isFreebsdElf } from './elf.js';
import { freebsdErrno } from './errno.js';
import { freebsdJailPolicy } from './policy.js';
import { amd64 } from './tables/amd64.js';

/** What the cli says when it meets a FreeBSD binary. */
export const freebsdRefusal =
  'FreeBSD binaries cannot run on Linux: the Linux kernel has no FreeBSD system call ABI. Run the Linux build of the program in the jail.';

export const freebsd: Emulation & { readonly runnable: false; readonly refusal: string } = {
  name: 'freebsd',
  description: 'FreeBSD amd64 binaries: recognised and refused (no FreeBSD ABI in the Linux kernel)',
  tables: [amd64],
  refusedArchitectures: [],
  errno: freebsdErrno,
  policy: freebsdJailPolicy,
  detect: isFreebsdElf,
  runnable: false,
  refusal: freebsdRefusal,
};
