// jail -m: change a running jail's host name, addresses and allow.* flags, tighten its rules
// (sysjail.deny) or move a running process to a sub-policy (sysjail.move), through the shared supervisor that hosts it (which applies them with core's
// runtime-change API). Every parameter is checked first; one that cannot change on a running jail is
// refused by name.
import type { JailChange, JailRecord, PrisonFlags } from '@sysjail/core';
import { parseAddress } from '../config/address.js';
import { parseDenyEntries } from '../config/deny-rules.js';
import { checkHostname } from '../config/hostname.js';
import { modifyBackgroundJail } from '../daemon/background-jail.js';
import { JailParamError } from '../errors.js';
import { boolValue, lookupParameter } from '../jail-conf/parameters.js';

/** What jail -m may change. */
export const MODIFIABLE = new Set([
  'host.hostname',
  'ip4.addr',
  'ip6.addr',
  'allow.raw_sockets',
  'allow.sysvipc',
  'allow.chflags',
  'allow.set_hostname',
  'allow.socket_af',
  'sysjail.deny',
  'sysjail.move',
]);

const FLAGS: Readonly<Record<string, keyof PrisonFlags>> = {
  'allow.raw_sockets': 'allowRawSockets',
  'allow.sysvipc': 'allowIpc',
  'allow.chflags': 'allowChflags',
  'allow.set_hostname': 'allowSetHostname',
  'allow.socket_af': 'allowAllDomains',
};

/** The parameters as core's change of a running jail (an address list replaces the jail's list). */
export function jailChange(params: Readonly<Record<string, string>>): JailChange {
  const flags: { -readonly [K in keyof PrisonFlags]?: boolean } = {};
  let change: { -readonly [K in keyof JailChange]: JailChange[K] } = {};
  for (const [name, value] of Object.entries(params)) {
    if (name === 'host.hostname') change.hostname = value;
    else if (name === 'ip4.addr') change.ipv4 = value === '' ? [] : value.split(',');
    else if (name === 'ip6.addr') change.ipv6 = value === '' ? [] : value.split(',');
    else if (name === 'sysjail.deny') {
      const parsed = parseDenyEntries(value);
      if ('rules' in parsed)
        change.rules = parsed.rules.map((r) => ({ ...r, reason: 'jail -m sysjail.deny' }));
    } else if (name in FLAGS) flags[FLAGS[name]] = value === 'true';
  }
  if (Object.keys(flags).length > 0) change = { ...change, flags };
  return change;
}

/** `param=value` operands → canonical names and values (booleans `true`/`false`, canonical addresses). */
export function modifyParams(operands: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const op of operands) {
    const eq = op.indexOf('=');
    const name = eq < 0 ? op : op.slice(0, eq);
    const values = eq < 0 ? [] : [op.slice(eq + 1)];
    const l = lookupParameter(name);
    if (l.found === 'unknown') {
      throw new JailParamError(
        `unknown parameter "${name}"${l.nearest ? ` (did you mean "${l.nearest}"?)` : ''}`,
      );
    }
    if (l.found === 'unsupported') throw new JailParamError(`${l.canonical}: ${l.reason}`);
    if (!MODIFIABLE.has(l.canonical)) {
      throw new JailParamError(`${l.canonical}: cannot be changed on a running jail`);
    }
    if (l.spec.kind === 'bool') {
      const v = boolValue(values, l.negated);
      if (v === undefined) throw new JailParamError(`${name}: unknown boolean value "${values[0]}"`);
      out[l.canonical] = String(v);
    } else if (l.canonical === 'sysjail.deny') {
      const parsed = parseDenyEntries(values.join(','));
      if ('bad' in parsed)
        throw new JailParamError(`sysjail.deny: ${parsed.bad}: not syscall or syscall:ERRNO`);
      if (parsed.rules.length === 0) throw new JailParamError('sysjail.deny: no system call named');
      out[l.canonical] = parsed.rules
        .map((r) => `${r.syscall}:${r.decision.action === 'errno' ? r.decision.errno : ''}`)
        .join(',');
    } else if (l.canonical === 'sysjail.move') {
      const m = /^([1-9][0-9]*):([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(values[0] ?? '');
      if (!m) throw new JailParamError('sysjail.move: expected pid:subpolicy (the pid as the jail sees it)');
      out[l.canonical] = `${m[1]}:${m[2]}`;
    } else if (l.canonical === 'host.hostname') {
      out[l.canonical] = checkHostname(values[0] ?? '');
    } else {
      const family = l.canonical === 'ip4.addr' ? 'inet' : 'inet6';
      const list = (values[0] ?? '').split(',').filter((a) => a !== '');
      out[l.canonical] = list.map((a) => parseAddress(a, family).address).join(',');
    }
  }
  return out;
}

/** Applies the changes; FreeBSD's "name: updated"; a process killed by tightening is named on stderr. */
export async function modifyJail(
  record: JailRecord,
  params: Readonly<Record<string, string>>,
  verbose: number,
): Promise<void> {
  const [pid, subPolicy] = params['sysjail.move']?.split(':') ?? [];
  const move = subPolicy === undefined ? undefined : { pid: Number(pid), subPolicy };
  const { killed } = await modifyBackgroundJail(record, jailChange(params), move);
  for (const k of killed) {
    process.stderr.write(`jail: ${record.name ?? record.jid}: host pid ${k.pid} killed: ${k.reason}\n`);
  }
  if (verbose > 0) process.stdout.write(`${record.name ?? record.jid}: updated\n`);
}
