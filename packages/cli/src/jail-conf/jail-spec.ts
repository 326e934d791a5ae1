// A resolved jail.conf jail (or a command-line jail) → what jail(8) needs to create and remove it:
// the prison, its hooks and the pseudo-parameters. Every parameter is checked here, before anything
// is created; an error names the parameter's file, line and column.

import { readFileSync } from 'node:fs';
import { hostname as hostHostname } from 'node:os';
import {
  type ChangeableFlag,
  type JailLimit,
  type JailMount,
  type Prison,
  type PrisonFlags,
  parseFstab,
  parseFstabLine,
  parseRctlRule,
  RctlRuleError,
  type SubPolicy,
} from '@sysjail/core';
import { hostLoopbackRole, parseAddress } from '../config/address.js';
import { CHANGEABLE, parseChangeableList } from '../config/changeable.js';
import { parseDenyEntries } from '../config/deny-rules.js';
import { checkHostname } from '../config/hostname.js';
import { checkJailName } from '../config/jail-name.js';
import { checkJailPath } from '../config/jail-path.js';
import {
  CliError,
  HostLoopbackAddressError,
  JailConfError,
  JailParamError,
  jailDescriptionError,
} from '../errors.js';
import { boolValue, lookupParameter } from './parameters.js';
import type { ResolvedJail, ResolvedParam } from './resolve.js';
import type { SourcePos } from './source.js';

/** The command lists jail(8) runs, in FreeBSD's order. */
export const HOOKS = [
  'exec.prepare',
  'exec.prestart',
  'exec.created',
  'exec.start',
  'command',
  'exec.poststart',
  'exec.prestop',
  'exec.stop',
  'exec.poststop',
  'exec.release',
] as const;
export type HookName = (typeof HOOKS)[number];

/** Hooks run inside the jail (as exec.jail_user); the others run on the host (as exec.system_user). */
export const IN_JAIL_HOOKS: ReadonlySet<HookName> = new Set(['exec.start', 'command', 'exec.stop']);

export { CHANGEABLE } from '../config/changeable.js';

export interface JailSpec {
  readonly name: string;
  readonly pos?: SourcePos;
  readonly prison: Prison;
  /** sysjail.emulation, when given. */
  readonly emulation?: string;
  readonly persist: boolean;
  /** sysjail.subpolicy: named stricter sub-policies (jexec -P, jail -m sysjail.move). */
  readonly subPolicies?: Readonly<Record<string, SubPolicy>>;
  /** sysjail.changeable: the allow.* flags jail -m may change while the jail runs (core's names). */
  readonly changeableFlags: readonly ChangeableFlag[];
  /** sysjail.rctl: the jail's own rctl limits, applied at creation as sysjail --memory etc. are. */
  readonly limits: readonly JailLimit[];
  /** Each hook's command strings (sh command lines); `command` from the command line is an argv. */
  readonly hooks: Readonly<Record<HookName, readonly string[]>>;
  /** `command=...` on the command line: the argv to run in the jail. */
  readonly commandArgv?: readonly string[];
  readonly clean: boolean;
  readonly jailUser?: string;
  readonly systemUser?: string;
  readonly systemJailUser: boolean;
  readonly consoleLog?: string;
  /** Seconds; 0: no limit. */
  readonly execTimeout: number;
  /** Seconds to wait after SIGTERM (default 10); 0: no SIGTERM, removed at once. */
  readonly stopTimeout: number;
  readonly depend: readonly string[];
  /** The parameters as set, for -J. */
  readonly params: readonly ResolvedParam[];
}

export interface SpecOptions {
  /** Check the path and the things a creation needs (false for removal). */
  readonly forCreate: boolean;
}

/** Checks every parameter of a jail and builds its spec. */
export function jailSpec(jail: ResolvedJail, options: SpecOptions): JailSpec {
  const fail = (p: ResolvedParam | undefined, message: string): never => {
    throw jailDescriptionError(p?.pos ?? jail.pos, message);
  };
  const byName = new Map<string, { param: ResolvedParam; negated: boolean }>();
  for (const p of jail.params) {
    const l = lookupParameter(p.name);
    if (l.found === 'unknown') {
      fail(p, `unknown parameter "${p.name}"${l.nearest ? ` (did you mean "${l.nearest}"?)` : ''}`);
    } else if (l.found === 'unsupported') {
      fail(p, `${l.canonical}: ${l.reason}`);
    } else {
      const spec = l.spec;
      if (spec.kind === 'bool') {
        if (boolValue(p.values, l.negated) === undefined)
          fail(p, `${p.name}: unknown boolean value "${p.values.at(-1)}"`);
      } else if (l.negated) {
        fail(p, `unknown parameter "${p.name}"`);
      } else if (spec.kind === 'int') {
        const v = p.values.at(-1);
        if (v === undefined || !/^[0-9]+$/.test(v)) fail(p, `${p.name}: non-integer value "${v ?? ''}"`);
      } else if (spec.kind === 'string' && p.values.length === 0 && p.name !== 'exec.jail_user') {
        fail(p, `${p.name}: needs a value`);
      }
      if (spec.choices && p.values.length > 0 && !spec.choices.includes(p.values.at(-1) as string)) {
        fail(p, `${p.name}: "${p.values.at(-1)}" is not supported (only ${spec.choices.join(', ')})`);
      }
      byName.set(l.canonical, { param: p, negated: l.negated });
    }
  }
  const get = (n: string) => byName.get(n)?.param;
  const str = (n: string) => get(n)?.values.at(-1);
  const bool = (n: string, dflt: boolean) => {
    const e = byName.get(n);
    return e ? (boolValue(e.param.values, e.negated) as boolean) : dflt;
  };
  const int = (n: string, dflt: number) => {
    const v = str(n);
    return v === undefined ? dflt : Number(v);
  };
  const at = <T>(p: ResolvedParam | undefined, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof CliError && !(e instanceof JailConfError) && !(e instanceof JailParamError))
        fail(p, e.message);
      throw e;
    }
  };

  // A jail described on the command line may have no name (it is known by its JID).
  const name = jail.name === '' ? '' : at(undefined, () => checkJailName(jail.name));
  const pathParam = get('path');
  const path = pathParam?.values.at(-1) ?? '';
  if (path === '' && options.forCreate) fail(pathParam, `jail ${name || '(unnamed)'}: no path`);
  const root = options.forCreate ? at(pathParam, () => checkJailPath(path)) : path;
  const hostParam = get('host.hostname');
  const host = hostParam
    ? at(hostParam, () => checkHostname(str('host.hostname') as string))
    : hostHostname();

  // `interface` (FreeBSD): the interface every plain address is added to as an alias.
  const iface = str('interface');
  const aliases = new Map<string, { interface: string; address: string; prefixLength: number }>();
  const addresses = (param: string, family: 'inet' | 'inet6') => {
    const p = get(param);
    if (!p) return [];
    const list = p.values
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return [
      ...new Set(
        list.map((text) => {
          if (text.includes(' '))
            fail(p, `${param}: "${text}": ifconfig parameters after the address are not supported`);
          const withIface = iface !== undefined && !text.includes('|') ? `${iface}|${text}` : text;
          const a = at(p, () => parseAddress(withIface, family));
          if (a.interface !== undefined) {
            aliases.set(a.address, {
              interface: a.interface,
              address: a.address,
              prefixLength: a.prefixLength ?? (family === 'inet' ? 32 : 128),
            });
          }
          return a.address;
        }),
      ),
    ];
  };
  const ipv4 = addresses('ip4.addr', 'inet');
  const ipv6 = addresses('ip6.addr', 'inet6');
  if (!bool('sysjail.allow.host_loopback', false)) {
    for (const [param, family, list] of [
      ['ip4.addr', 'inet', ipv4],
      ['ip6.addr', 'inet6', ipv6],
    ] as const) {
      for (const address of list) {
        const role = hostLoopbackRole({ family, address });
        if (role !== undefined)
          at(get(param), () => {
            throw new HostLoopbackAddressError(address, role, 'sysjail.allow.host_loopback');
          });
      }
    }
  }
  if (str('ip4') === 'disable' && ipv4.length > 0) fail(get('ip4'), 'ip4 = disable with ip4.addr set');
  if (str('ip6') === 'disable' && ipv6.length > 0) fail(get('ip6'), 'ip6 = disable with ip6.addr set');

  for (const m of ['mount.devfs', 'mount.procfs'] as const) {
    if (byName.has(m) && !bool(m, true)) {
      fail(
        get(m),
        `${m}: turning it off is not supported (every jail gets its own ${m === 'mount.devfs' ? '/dev' : '/proc'})`,
      );
    }
  }
  if (byName.has('allow.reserved_ports') && !bool('allow.reserved_ports', true)) {
    fail(
      get('allow.reserved_ports'),
      'allow.reserved_ports: turning it off is not supported (jailed root may bind ports below 1024)',
    );
  }
  const sysv = ['sysvmsg', 'sysvsem', 'sysvshm'].filter((n) => byName.has(n));
  const sysvValues = new Set(sysv.map((n) => str(n)));
  if (sysvValues.size > 1 || (sysv.length > 0 && sysv.length < 3 && sysvValues.has('new'))) {
    fail(get(sysv[0]), 'sysvmsg, sysvsem and sysvshm: only all three "new" (or "disable") are supported');
  }
  const ipc = bool('allow.sysvipc', false) || sysvValues.has('new');
  if (byName.has('allow.sysvipc') && !bool('allow.sysvipc', false) && sysvValues.has('new')) {
    fail(get('allow.sysvipc'), 'allow.nosysvipc contradicts sysvmsg/sysvsem/sysvshm = new');
  }

  // mount.fstab (a host file) and mount (fstab lines): nullfs binds and tmpfs under the jail's path.
  const mounts: JailMount[] = [];
  const mountParam = (p: ResolvedParam | undefined, f: () => JailMount[]) => {
    if (!p) return;
    try {
      mounts.push(...f());
    } catch (e) {
      fail(p, `${p.name}: ${(e as Error).message}`);
    }
  };
  mountParam(get('mount.fstab'), () => {
    const file = str('mount.fstab') as string;
    if (!options.forCreate) return [];
    return parseFstab(readFileSync(file, 'utf8'), root);
  });
  mountParam(get('mount'), () => (get('mount')?.values ?? []).flatMap((l) => parseFstabLine(l, root) ?? []));

  const flags: PrisonFlags = {
    allowIpc: ipc,
    allowAllDomains: bool('allow.socket_af', false),
    allowRawSockets: bool('allow.raw_sockets', false),
    allowChflags: bool('allow.chflags', false),
    allowRlimit: bool('sysjail.allow.rlimit', false),
    allowSetHostname: bool('allow.set_hostname', true),
  };
  const denyParam = get('sysjail.deny');
  if (denyParam) fail(denyParam, 'sysjail.deny: only for a running jail (jail -m)');
  const moveParam = get('sysjail.move');
  if (moveParam) fail(moveParam, 'sysjail.move: only for a running jail (jail -m)');
  // sysjail.subpolicy: "NAME: syscall[:ERRNO] ..." per value, the jail's named stricter sub-policies.
  const subParam = get('sysjail.subpolicy');
  const subPolicies: Record<string, SubPolicy> = {};
  for (const [i, value] of (subParam?.values ?? []).entries()) {
    const where = subParam?.valuePos?.[i]
      ? { ...(subParam as ResolvedParam), pos: subParam.valuePos[i] }
      : subParam;
    const m =
      /^\s*([A-Za-z0-9][A-Za-z0-9._-]{0,63})\s*:(.*)$/s.exec(value) ??
      fail(where, `sysjail.subpolicy: ${value}: expected NAME: syscall[:ERRNO] ...`);
    if (Object.hasOwn(subPolicies, m[1])) fail(where, `sysjail.subpolicy: ${m[1]}: named twice`);
    const parsed = parseDenyEntries(m[2]);
    const rules =
      'bad' in parsed
        ? fail(where, `sysjail.subpolicy: ${m[1]}: ${parsed.bad}: not syscall or syscall:ERRNO`)
        : parsed.rules;
    if (rules.length === 0) fail(where, `sysjail.subpolicy: ${m[1]}: no system call named`);
    subPolicies[m[1]] = { rules: rules.map((r) => ({ ...r, reason: `sub-policy ${m[1]}` })) };
  }

  // sysjail.changeable: the allow.* flags jail -m may switch (the jail's filter sends the calls they
  // decide to the supervisor; a flag's capability is kept from the start).
  const changeableParam = get('sysjail.changeable');
  const changeableFlags = parseChangeableList(changeableParam?.values ?? [], (v) =>
    fail(
      changeableParam,
      `sysjail.changeable: ${v}: not a flag that can change while the jail runs (${Object.keys(CHANGEABLE).join(', ')})`,
    ),
  );
  // sysjail.rctl: rctl(8) rules without the `jail:NAME:` subject, checked by rctl's own parser.
  const rctlParam = get('sysjail.rctl');
  const limits = (rctlParam?.values ?? []).flatMap((value, i) => {
    // the error names the line of the value itself (a `+=` list spans lines)
    const where = rctlParam?.valuePos?.[i]
      ? { ...(rctlParam as ResolvedParam), pos: rctlParam.valuePos[i] }
      : rctlParam;
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map((text): JailLimit => {
        if (text.split('=')[0].split(':').length !== 2)
          fail(where, `sysjail.rctl: ${text}: expected resource:action=amount (no jail:NAME: subject)`);
        try {
          const { resource, action, amount } = parseRctlRule(`jail:${name || 'jail'}:${text}`);
          return { resource, action, amount };
        } catch (e) {
          if (!(e instanceof RctlRuleError)) throw e;
          return fail(where, `sysjail.rctl: ${text}: ${e.message.slice(e.rule.length + 2)}`);
        }
      });
  });
  const hooks = Object.fromEntries(
    HOOKS.map((h) => [h, (get(h)?.values ?? []).filter((c) => c !== '')]),
  ) as Record<HookName, string[]>;
  const persist = bool('persist', false);
  if (options.forCreate && !persist && hooks['exec.start'].length === 0 && hooks.command.length === 0) {
    fail(
      undefined,
      `jail ${name}: a new jail needs persist, exec.start or command (it would have no process)`,
    );
  }
  const consoleLog = str('exec.consolelog');
  if (consoleLog !== undefined && !consoleLog.startsWith('/')) {
    fail(get('exec.consolelog'), `exec.consolelog: ${consoleLog}: not an absolute pathname`);
  }
  const jailUser = str('exec.jail_user');
  const systemUser = str('exec.system_user');
  return {
    name,
    pos: jail.pos,
    prison: {
      path: root,
      hostname: host,
      ipv4,
      ipv6,
      ...(aliases.size > 0 ? { aliases: [...aliases.values()] } : {}),
      ...(mounts.length > 0 ? { mounts } : {}),
      ...(name === '' ? {} : { name }),
      flags,
    },
    ...(str('sysjail.emulation') === undefined ? {} : { emulation: str('sysjail.emulation') }),
    persist,
    changeableFlags,
    ...(Object.keys(subPolicies).length > 0 ? { subPolicies } : {}),
    limits,
    hooks,
    clean: bool('exec.clean', false),
    ...(jailUser ? { jailUser } : {}),
    ...(systemUser ? { systemUser } : {}),
    systemJailUser: bool('exec.system_jail_user', false),
    ...(consoleLog === undefined ? {} : { consoleLog }),
    execTimeout: int('exec.timeout', 0),
    stopTimeout: int('stop.timeout', 10),
    depend: (get('depend')?.values ?? [])
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== ''),
    params: jail.params,
  };
}
