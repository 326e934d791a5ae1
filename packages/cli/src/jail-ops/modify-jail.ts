// jail -m: change a running jail's host name, addresses and allow.* flags, and tighten its rules
// (sysjail.deny), through the shared supervisor that hosts it (which applies them with core's
// runtime-change API). Every parameter is checked first; one that cannot change on a running jail is
// refused by name.
import { deny, type JailChange, type JailRecord, type PrisonFlags } from '@sysjail/core';
import { parseAddress } from '../config/address.js';
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
]);

/** A sysjail.deny entry: a system call's name, optionally `:ERRNO` (default EPERM). */
const DENY_ENTRY = /^([a-z_][a-z0-9_]*)(?::(E[A-Z0-9]+))?$/;

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
      change.rules = value.split(',').map((entry) => {
        const [, syscall, errno] = DENY_ENTRY.exec(entry) ?? [];
        return { syscall, decision: deny(errno ?? 'EPERM'), reason: 'jail -m sysjail.deny' };
      });
    } else flags[FLAGS[name]] = value === 'true';
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
      const entries = values
        .join(',')
        .split(/[,\s]+/)
        .filter((e) => e !== '');
      if (entries.length === 0) throw new JailParamError('sysjail.deny: no system call named');
      for (const e of entries) {
        if (!DENY_ENTRY.test(e)) throw new JailParamError(`sysjail.deny: ${e}: not syscall or syscall:ERRNO`);
      }
      out[l.canonical] = entries.join(',');
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
  const { killed } = await modifyBackgroundJail(record, jailChange(params));
  for (const k of killed) {
    process.stderr.write(`jail: ${record.name ?? record.jid}: pid ${k.pid} killed: ${k.reason}\n`);
  }
  if (verbose > 0) process.stdout.write(`${record.name ?? record.jid}: updated\n`);
}
