/** A policy as a markdown table (the README's policy section is this, checked by a test). */
import type { ArgTest, Decision, Policy } from '@sysjail/core';
import * as constants from './constants.js';

/** Which constants name the values of an argument, by syscall and argument index. */
const argNames: Readonly<Record<string, readonly (readonly string[] | undefined)[]>> = {
  socket: [['AF_'], ['SOCK_'], ['NETLINK_']],
  socketcall: [['SYS_']],
  ioctl: [undefined, ['TIOC', 'FS_IOC']],
  mknod: [undefined, ['S_IF']],
  mknodat: [undefined, undefined, ['S_IF']],
  clone: [['CLONE_NEW_MASK']],
  unshare: [['CLONE_NEW_MASK']],
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

function symbol(syscall: string, arg: number, value: bigint): string {
  return linuxArgumentName(syscall, arg, value) ?? (value > 9n ? `0x${value.toString(16)}` : String(value));
}

function test(syscall: string, t: ArgTest): string {
  const a = `arg${t.arg}`;
  const ops = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;
  switch (t.op) {
    case 'masked-eq':
      return `(${a} & ${symbol(syscall, t.arg, t.mask)}) == ${symbol(syscall, t.arg, t.value)}`;
    case 'in':
      return `${a} in {${t.values.map((v) => symbol(syscall, t.arg, v)).join(', ')}}`;
    default:
      return `${a} ${ops[t.op]} ${symbol(syscall, t.arg, t.value)}`;
  }
}

function decision(d: Decision): string {
  switch (d.action) {
    case 'allow':
      return 'allow';
    case 'kill':
      return 'kill';
    case 'errno':
      return d.errno;
    case 'notify':
      return `notify \`${d.handler}\``;
  }
}

/** One row per rule, in order; consecutive rules that differ only by syscall name share a row. */
export function policyTable(policy: Policy): string {
  const rows: string[][] = [];
  for (const r of policy.rules) {
    const when = (r.when ?? []).map((t) => test(r.syscall, t)).join(' && ') || '(any)';
    const row = [`\`${r.syscall}\``, when, decision(r.decision), r.reason ?? ''];
    const last = rows[rows.length - 1];
    if (last && last.slice(1).join('|') === row.slice(1).join('|')) last[0] += ` ${row[0]}`;
    else rows.push(row);
  }
  const lines = [
    '| syscall | when | decision | reason |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    `| any other call in the table | | ${decision(policy.defaultDecision)} | |`,
    `| a number absent from the tables | | ${decision(policy.unknownDecision)} | as for a call that does not exist |`,
  ];
  return `${lines.join('\n')}\n`;
}
