import type { JailRecord } from '@sysjail/core';
import { cut, left, right } from './printf.js';

/**
 * jls(8) output as FreeBSD's usr.sbin/jls/jls.c prints it, from registry records. Pure functions.
 * Linux has no cpusets: the CPUSetID line of -v shows `-`.
 */

/** `jls`: the default four columns. */
export const jlsHeader = `${right('JID', 6)}  IP Address${' '.repeat(6)}Hostname${' '.repeat(22)}Path\n`;

/** One default row: `%6d  %-15.15s %-29.29s %.74s`. The first IPv4 address only, as FreeBSD. */
export function formatJlsRow(r: JailRecord): string {
  return `${right(r.jid, 6)}  ${left(r.ipv4[0] ?? '', 15, 15)} ${left(r.hostname, 29, 29)} ${cut(r.path, 74)}\n`;
}

/** `jls -N`: the header and rows with the jail's name (its JID if unnamed) in place of the JID. */
export const jlsNamedHeader = ` ${left('JID', 15)} ${left('IP Address', 15)} ${left('Hostname', 29)} Path\n`;

export function formatJlsNamedRow(r: JailRecord): string {
  return ` ${left(jailName(r), 15)} ${left(r.ipv4[0] ?? '', 15, 15)} ${left(r.hostname, 29, 29)} ${cut(r.path, 74)}\n`;
}

export function formatJls(records: readonly JailRecord[], named = false): string {
  return named
    ? jlsNamedHeader + records.map(formatJlsNamedRow).join('')
    : jlsHeader + records.map(formatJlsRow).join('');
}

/** The jail's name; FreeBSD names an unnamed jail by its JID. */
export function jailName(r: JailRecord): string {
  return r.name ?? String(r.jid);
}

/** `jls -v` header. */
export const jlsVerboseHeader =
  `${' '.repeat(3)}JID  Hostname${' '.repeat(22)}Path\n` +
  `${' '.repeat(8)}Name${' '.repeat(26)}State\n` +
  `${' '.repeat(8)}CPUSetID\n` +
  `${' '.repeat(8)}IP Address(es)\n`;

const indent = ' '.repeat(8);

export function formatJlsVerboseEntry(r: JailRecord): string {
  return (
    `${right(r.jid, 6)}  ${left(r.hostname, 29, 29)} ${cut(r.path, 74)}\n` +
    `${indent}${left(jailName(r), 29, 29)} ${cut('ACTIVE', 74)}\n` +
    `${indent}-\n` +
    [...r.ipv4, ...r.ipv6].map((a) => `${indent}${a}\n`).join('')
  );
}

export function formatJlsVerbose(records: readonly JailRecord[]): string {
  return jlsVerboseHeader + records.map(formatJlsVerboseEntry).join('');
}

/** A jail parameter as jls -n shows it: a boolean prints `name` or `noname`. */
export type JailParam = { readonly name: string; readonly value: string | boolean };

/** The jail parameters of a record, in jls's order: top-level names first, then dotted, each sorted. */
export function jailParams(r: JailRecord): JailParam[] {
  const params: JailParam[] = [
    { name: 'dying', value: false },
    { name: 'jid', value: String(r.jid) },
    { name: 'name', value: jailName(r) },
    { name: 'parent', value: '0' },
    { name: 'path', value: r.path },
    { name: 'allow.chflags', value: r.flags.allowChflags },
    { name: 'allow.raw_sockets', value: r.flags.allowRawSockets },
    { name: 'allow.rlimit', value: r.flags.allowRlimit },
    { name: 'allow.set_hostname', value: r.flags.allowSetHostname },
    { name: 'allow.socket_af', value: r.flags.allowAllDomains },
    { name: 'allow.sysvipc', value: r.flags.allowIpc },
    { name: 'host.hostname', value: r.hostname },
    { name: 'ip4.addr', value: r.ipv4.join(',') },
    { name: 'ip6.addr', value: r.ipv6.join(',') },
    { name: 'sysjail.emulation', value: r.emulation },
  ];
  const dotted = (p: JailParam) => p.name.includes('.');
  return params.sort((a, b) =>
    dotted(a) !== dotted(b) ? (dotted(a) ? 1 : -1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** `allow.chflags` → `allow.nochflags`, `dying` → `nodying`. */
function noName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? `no${name}` : `${name.slice(0, dot)}.no${name.slice(dot + 1)}`;
}

/** jls's quoted_print: with -q, a value with a quote, space or tab is quoted; an empty one is `""`. */
function quoted(value: string, quote: boolean): string {
  if (value === '') return quote ? '""' : '';
  const qc = value.includes("'") ? '"' : value.includes('"') ? "'" : /[ \t]/.test(value) ? '"' : '';
  return quote && qc ? `${qc}${value}${qc}` : value;
}

function formatParam(p: JailParam, nameval: boolean, quote: boolean): string {
  if (typeof p.value === 'boolean') {
    if (nameval) return p.value ? p.name : noName(p.name);
    return p.value ? 'true' : 'false';
  }
  if (!nameval && p.value === '' && !quote) return '-';
  return nameval ? `${p.name}=${quoted(p.value, quote)}` : quoted(p.value, quote);
}

/**
 * The parameters jail(8) cannot set (FreeBSD's read-only ones, and the emulation, chosen from the
 * command's binary): `jls -s` leaves them out.
 */
export const readOnlyParams: ReadonlySet<string> = new Set(['dying', 'parent', 'sysjail.emulation']);

/** The names `jls` knows as parameters (for `jls param ...`). */
export const jailParamNames: readonly string[] = [
  'dying',
  'jid',
  'name',
  'parent',
  'path',
  'allow.chflags',
  'allow.raw_sockets',
  'allow.rlimit',
  'allow.set_hostname',
  'allow.socket_af',
  'allow.sysvipc',
  'host.hostname',
  'ip4.addr',
  'ip6.addr',
  'sysjail.emulation',
];

/**
 * `jls [-h] [-n] [-q] param ...`: the named parameters (all of them if none), space-separated, one line
 * per jail; -h adds a line naming them first; a boolean prints true/false (or name/noname with -n).
 */
export function formatJlsParams(
  records: readonly JailRecord[],
  names: readonly string[],
  opts: {
    readonly header?: boolean;
    readonly nameval?: boolean;
    readonly quote?: boolean;
    readonly settableOnly?: boolean;
  } = {},
): string {
  const chosen = (names.length ? names : jailParamNames).filter(
    (n) => !opts.settableOnly || !readOnlyParams.has(n),
  );
  const head = opts.header ? `${chosen.join(' ')}\n` : '';
  return (
    head +
    records
      .map((r) => {
        const byName = new Map(jailParams(r).map((p) => [p.name, p]));
        return `${chosen.map((n) => formatParam(byName.get(n) as JailParam, opts.nameval ?? false, opts.quote ?? false)).join(' ')}\n`;
      })
      .join('')
  );
}

/** `jls -n [-q]`: one line of `name=value` per jail; `jls -s`: the same, settable parameters only. */
export function formatJlsNameValue(
  records: readonly JailRecord[],
  quote = false,
  settableOnly = false,
): string {
  return records
    .map(
      (r) =>
        `${jailParams(r)
          .filter((p) => !settableOnly || !readOnlyParams.has(p.name))
          .map((p) => formatParam(p, true, quote))
          .join(' ')}\n`,
    )
    .join('');
}

export type JlsMode = 'default' | 'verbose' | 'nameval';

/** `jls [-v|-n] --json`: libxo's JSON (version 2) with the field names of FreeBSD's jls. */
export function formatJlsJson(records: readonly JailRecord[], mode: JlsMode = 'default'): string {
  const jail = records.map((r) => {
    if (mode === 'nameval') return Object.fromEntries(jailParams(r).map((p) => [p.name, p.value]));
    if (mode === 'verbose') {
      return {
        jid: r.jid,
        hostname: r.hostname,
        path: r.path,
        name: jailName(r),
        state: 'ACTIVE',
        ipv4_addrs: [...r.ipv4],
        ipv6_addrs: [...r.ipv6],
      };
    }
    return { jid: r.jid, ipv4: r.ipv4[0] ?? '', hostname: r.hostname, path: r.path };
  });
  return `${JSON.stringify({ __version: '2', 'jail-information': { jail } })}\n`;
}
