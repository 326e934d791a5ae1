// Stricter rules written on a command line or in jail.conf: `syscall[:ERRNO]` entries, separated by
// commas or blanks (sysjail.deny, sysjail.subpolicy). The syscall names are checked by core's compiler
// against the emulation's tables when the rules are compiled.
import { deny, type Rule } from '@sysjail/core';

const ENTRY = /^([a-z_][a-z0-9_]*)(?::(E[A-Z0-9]+))?$/;

/** The entries of `text`, or the first that is not `syscall` or `syscall:ERRNO`. */
export function parseDenyEntries(text: string): { rules: Rule[] } | { bad: string } {
  const rules: Rule[] = [];
  for (const entry of text.split(/[,\s]+/).filter((e) => e !== '')) {
    const m = ENTRY.exec(entry);
    if (!m) return { bad: entry };
    rules.push({ syscall: m[1], decision: deny(m[2] ?? 'EPERM'), reason: 'sysjail.deny' });
  }
  return { rules };
}
