import { resolve } from 'node:path';
import { getopt } from '../config/getopt.js';
import { MissingArgumentError, UsageError } from '../errors.js';

export interface MkjailConfig {
  /** Absolute directory to build the jail root in. */
  readonly dir: string;
  /** -f: build into a non-empty directory. */
  readonly force: boolean;
  /** -b: host binaries to copy in with their shared libraries. */
  readonly binaries: readonly string[];
}

/** `mkjail [-f] [-b binary ...] directory` → config. */
export function parseMkjailArgs(argv: readonly string[], cwd = process.cwd()): MkjailConfig {
  const { options, operands } = getopt(argv, { short: 'fb:' });
  const binaries: string[] = [];
  let force = false;
  for (const o of options) {
    if (o.name === 'f') force = true;
    else binaries.push(o.value ?? '');
  }
  if (operands.length === 0) throw new MissingArgumentError('directory');
  if (operands.length > 1) throw new UsageError('EXTRA_OPERANDS', `unexpected operand: ${operands[1]}`);
  return { dir: resolve(cwd, operands[0]), force, binaries };
}
