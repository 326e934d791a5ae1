import type { JailCountersFile, JailRecord, PrisonFlags } from '@sysjail/core';
import { formatRctlRule } from '@sysjail/core';
import { jailName } from './jls-format.js';
import type { ProgramStatus } from './loader-status.js';
import { cut, left, right } from './printf.js';

/** What sjls adds to a record, read from the live system (see jail-status.ts). */
export interface JailStatus {
  readonly record: JailRecord;
  /** Processes in the jail, if they could be counted. */
  readonly processes?: number;
  readonly counters?: JailCountersFile;
  /** Each process (host pid) with the emulation its loader names and its untranslated calls (-v). */
  readonly programs?: readonly ProgramStatus[];
}

const flagNames: [keyof PrisonFlags, string][] = [
  ['allowIpc', 'ipc'],
  ['allowAllDomains', 'all-domains'],
  ['allowRawSockets', 'raw-sockets'],
  ['allowChflags', 'chflags'],
  ['allowRlimit', 'rlimit'],
];

/** The --allow flags in force, comma-separated, or `-`. */
export function policyFlags(flags: PrisonFlags): string {
  const on = flagNames.filter(([k]) => flags[k]).map(([, n]) => n);
  return on.length ? on.join(',') : '-';
}

const count = (n: number | undefined) => (n === undefined ? '-' : String(n));

/** `sjls` header: the jail, its emulation and supervisor, and what the supervisor counted. */
export const sjlsHeader =
  `${right('JID', 6)}  ${left('Emulation', 9)} ${right('Supervisor', 10)} ${right('Procs', 6)} ` +
  `${right('Denied', 8)} ${right('Emulated', 8)}  ${left('Flags', 29)} Hostname\n`;

/** One row: `%6d  %-9.9s %10d %6s %8s %8s  %-29.29s %s`. */
export function formatSjlsRow(s: JailStatus): string {
  const r = s.record;
  return (
    `${right(r.jid, 6)}  ${left(r.emulation, 9, 9)} ${right(r.supervisorPid, 10)} ${right(count(s.processes), 6)} ` +
    `${right(count(s.counters?.denied), 8)} ${right(count(s.counters?.emulated), 8)}  ` +
    `${left(policyFlags(r.flags), 29, 29)} ${cut(r.hostname, 74)}\n`
  );
}

export function formatSjls(statuses: readonly JailStatus[]): string {
  return sjlsHeader + statuses.map(formatSjlsRow).join('');
}

/** `sjls -v`: everything known about each jail, one `name: value` per line, a blank line between jails. */
export function formatSjlsVerbose(statuses: readonly JailStatus[]): string {
  return statuses
    .map((s) => {
      const r = s.record;
      const lines: [string, string][] = [
        ['jid', String(r.jid)],
        ['name', jailName(r)],
        ['hostname', r.hostname],
        ['path', r.path],
        ['ip4.addr', r.ipv4.join(',') || '-'],
        ['ip6.addr', r.ipv6.join(',') || '-'],
        ['emulation', r.emulation],
        ['flags', policyFlags(r.flags)],
        ['supervisor', String(r.supervisorPid)],
        ['init', r.initPid === undefined ? '-' : String(r.initPid)],
        ['started', r.startedAt],
        ['processes', count(s.processes)],
        ['denied', count(s.counters?.denied)],
        ['emulated', count(s.counters?.emulated)],
      ];
      if (r.command) lines.push(['command', r.command.join(' ')]);
      lines.push([
        'limits',
        r.limits?.length
          ? r.limits.map((l) => formatRctlRule(l, true).split(':').slice(2).join(':')).join(' ')
          : '-',
      ]);
      for (const [call, c] of Object.entries(s.counters?.byCall ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
        lines.push([`  ${call}`, `denied ${c.denied}, emulated ${c.emulated}`]);
      }
      for (const p of s.programs ?? []) {
        const untranslated = p.untranslated
          ? `, untranslated ${p.untranslated}: ${(p.top ?? []).map(([c, n]) => `${c} ${n}`).join(', ')}`
          : '';
        lines.push(['process', `${p.pid} ${p.emulation ?? r.emulation}${untranslated}`]);
      }
      return lines.map(([k, v]) => `${left(`${k}:`, 12)}${v}\n`).join('');
    })
    .join('\n');
}

/** `sjls --json`: the records with their live status. */
export function formatSjlsJson(statuses: readonly JailStatus[]): string {
  return `${JSON.stringify({
    jails: statuses.map((s) => ({
      ...s.record,
      name: jailName(s.record),
      processes: s.processes ?? null,
      denied: s.counters?.denied ?? null,
      emulated: s.counters?.emulated ?? null,
      ...(s.counters?.byCall ? { byCall: s.counters.byCall } : {}),
    })),
  })}\n`;
}
