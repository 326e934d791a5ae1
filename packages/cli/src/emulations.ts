import type { Emulation } from '@sysjail/core';
import { freebsd } from '@sysjail/emul-freebsd';
import { linux } from '@sysjail/emul-linux';

/** The emulations the cli knows, native first (the cli keeps the list; core names none). */
export function installedEmulations(): Emulation[] {
  return [linux, freebsd];
}
