import { openRegistry, type Registry } from '@sysjail/core';
import { getopt } from '../config/getopt.js';
import { UsageError } from '../errors.js';
import { formatSjls, formatSjlsJson, formatSjlsVerbose, jailStatus } from '../jls/index.js';
import { selectJails } from './jls.js';

/** sjls(1): `sjls [-v] [--json] [-j jail]`: the jails with their sysjail state. */
export function sjlsMain(argv: readonly string[], registry: Registry = openRegistry()): string {
  const { options, operands } = getopt(argv, { short: 'vj:', long: ['json'] });
  if (operands.length) throw new UsageError('EXTRA_OPERANDS', `unexpected operand: ${operands[0]}`);
  let verbose = false;
  let json = false;
  let jail: string | undefined;
  for (const o of options) {
    if (o.name === 'v') verbose = true;
    else if (o.name === 'j') jail = o.value;
    else json = true;
  }
  const statuses = selectJails(registry, jail).map((r) => jailStatus(r, { programs: verbose }));
  if (json) return formatSjlsJson(statuses);
  return verbose ? formatSjlsVerbose(statuses) : formatSjls(statuses);
}
