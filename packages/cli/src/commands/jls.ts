import { type JailRecord, openRegistry, type Registry } from '@sysjail/core';
import { getopt } from '../config/getopt.js';
import { parseJailRef } from '../config/jail-name.js';
import { JailNotFoundError, UnknownParameterError } from '../errors.js';
import {
  formatJls,
  formatJlsJson,
  formatJlsNameValue,
  formatJlsParams,
  formatJlsVerbose,
  type JlsMode,
  jailParamNames,
} from '../jls/index.js';

/** The jails to show: all live ones, or the one -j names. */
export function selectJails(registry: Registry, jail: string | undefined): JailRecord[] {
  if (jail === undefined) return registry.list();
  const ref = parseJailRef(jail);
  const r = registry.find(ref);
  if (!r) throw new JailNotFoundError(ref);
  return [r];
}

/** jls(8): `jls [-dhNnqsv] [--json] [-j jail] [parameter ...]`. Text on stdout. */
export function jlsMain(argv: readonly string[], registry: Registry = openRegistry()): string {
  const { options, operands } = getopt(argv, { short: 'dhNnqsvj:', long: ['json'] });
  let mode: JlsMode | 'header' = 'default';
  let quote = false;
  let named = false;
  let settableOnly = false;
  let json = false;
  let jail: string | undefined;
  for (const o of options) {
    if (o.name === 'v') mode = 'verbose';
    else if (o.name === 'n') mode = 'nameval';
    else if (o.name === 'h') mode = 'header';
    else if (o.name === 's') {
      mode = 'nameval';
      quote = true;
      settableOnly = true;
    } else if (o.name === 'N') named = true;
    else if (o.name === 'q') quote = true;
    else if (o.name === 'j') jail = o.value;
    else if (o.name === 'json') json = true;
    // -d: dying jails too; a sysjail jail is gone once it dies, so there are none to add.
  }
  for (const p of operands) if (!jailParamNames.includes(p)) throw new UnknownParameterError(p);
  const records = selectJails(registry, jail);
  if (json)
    return formatJlsJson(
      records,
      mode === 'verbose' ? 'verbose' : mode === 'default' && !operands.length ? 'default' : 'nameval',
    );
  if (operands.length || mode === 'header') {
    return formatJlsParams(records, operands, {
      header: mode === 'header',
      nameval: mode === 'nameval',
      quote,
      settableOnly,
    });
  }
  if (mode === 'verbose') return formatJlsVerbose(records);
  if (mode === 'nameval') return formatJlsNameValue(records, quote, settableOnly);
  return formatJls(records, named);
}
