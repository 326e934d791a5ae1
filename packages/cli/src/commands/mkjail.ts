import { buildJailRoot, parseMkjailArgs } from '../mkjail/index.js';

/** mkjail(1): `mkjail [-f] [-b binary ...] directory`. Silent on success. */
export function mkjailMain(argv: readonly string[]): number {
  buildJailRoot(parseMkjailArgs(argv));
  return 0;
}
