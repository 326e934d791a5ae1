// The ABI's syscall tables: one per ABI, data (name, number, argument kinds, classes), the first the
// native one. __NAME__ starts as Linux, so it takes emul-linux's x86_64 and i386 tables (i386: int 0x80,
// which any x86_64 program can use), generated from the kernel's UAPI headers and checked against them
// there; the Linux policy it builds on names calls of both. An emulation of another ABI puts its own
// generated tables here with the script that made them and a test that checks them against their
// source (see emul-freebsd: scripts/generate-tables.mjs, src/tables.test.ts).
import type { SyscallTable } from '@sysjail/core';
import { i386 } from '@sysjail/emul-linux/i386';
import { x86_64 } from '@sysjail/emul-linux/x86_64';

export const tables: readonly SyscallTable[] = [x86_64, i386];
