/** A policy as a markdown table (the README's policy section is this, checked by a test). */
import type { Policy } from '@sysjail/core';
import { argTestsText, decisionText } from '@sysjail/core';
import * as constants from './constants.js';

/** Which constants name the values of an argument, by syscall and argument index. */
// socket(2)'s protocol stays a number: its names depend on the family (0 is NETLINK_ROUTE and IPPROTO_IP).
const argNames: Readonly<Record<string, readonly (readonly string[] | undefined)[]>> = {
  socket: [['AF_'], ['SOCK_']],
  socketpair: [['AF_'], ['SOCK_']],
  socketcall: [['SYS_']],
  ioctl: [undefined, ['TIOC', 'FS_IOC']],
  mknod: [undefined, ['S_IF']],
  mknodat: [undefined, undefined, ['S_IF']],
  clone: [['CLONE_NEW_MASK']],
  unshare: [['CLONE_NEW_MASK']],
  setns: [undefined, ['CLONE_NEWUSER']],
};

/** The constant an argument value of a rule stands for (`AF_UNIX`), for --explain and the README. */
export function linuxArgumentName(syscall: string, arg: number, value: bigint): string | undefined {
  const prefixes = argNames[syscall]?.[arg];
  if (!prefixes) return undefined;
  for (const [name, v] of Object.entries(constants)) {
    if (
      prefixes.some((p) => name.startsWith(p)) &&
      BigInt(v >>> 0) === value &&
      name !== 'AF_LOCAL' &&
      name !== 'AF_ROUTE'
    )
      return name;
  }
  return undefined;
}

/** One row per rule, in order; consecutive rules that differ only by syscall name share a row. */
export function policyTable(policy: Policy): string {
  const rows: string[][] = [];
  for (const r of policy.rules) {
    const when = argTestsText(r.syscall, r.when ?? [], linuxArgumentName) || '(any)';
    const row = [`\`${r.syscall}\``, when, decisionText(r.decision), r.reason ?? ''];
    const last = rows[rows.length - 1];
    if (last && last.slice(1).join('|') === row.slice(1).join('|')) last[0] += ` ${row[0]}`;
    else rows.push(row);
  }
  const lines = [
    '| syscall | when | decision | reason |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    `| any other call in the table | | ${decisionText(policy.defaultDecision)} | |`,
    `| a number absent from the tables | | ${decisionText(policy.unknownDecision)} | as for a call that does not exist |`,
  ];
  return `${lines.join('\n')}\n`;
}
