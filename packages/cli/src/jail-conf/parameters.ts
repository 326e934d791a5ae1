// The jail(8) parameters sysjail knows: what each takes and whether it is supported. FreeBSD's
// parameters keep FreeBSD's names and meaning; sysjail's own are under `sysjail.`. A FreeBSD
// parameter that Linux or sysjail cannot honour is refused with the reason, never ignored.

export type ParameterKind = 'bool' | 'int' | 'string' | 'list' | 'commands';

export interface ParameterSpec {
  readonly kind: ParameterKind;
  /** Present: refused, for this reason. */
  readonly unsupported?: string;
  /** Values accepted for a string parameter. */
  readonly choices?: readonly string[];
}

const hook: ParameterSpec = { kind: 'commands' };
const flag: ParameterSpec = { kind: 'bool' };

/** Supported parameters. */
export const parameters: Readonly<Record<string, ParameterSpec>> = {
  name: { kind: 'string' },
  path: { kind: 'string' },
  'host.hostname': { kind: 'string' },
  host: { kind: 'string', choices: ['new'] },
  'ip4.addr': { kind: 'list' },
  'ip6.addr': { kind: 'list' },
  ip4: { kind: 'string', choices: ['new', 'disable'] },
  ip6: { kind: 'string', choices: ['new', 'disable'] },
  persist: flag,
  'exec.prepare': hook,
  'exec.prestart': hook,
  'exec.created': hook,
  'exec.start': hook,
  command: hook,
  'exec.poststart': hook,
  'exec.prestop': hook,
  'exec.stop': hook,
  'exec.poststop': hook,
  'exec.release': hook,
  'exec.clean': flag,
  'exec.jail_user': { kind: 'string' },
  'exec.system_user': { kind: 'string' },
  'exec.system_jail_user': flag,
  'exec.consolelog': { kind: 'string' },
  'exec.timeout': { kind: 'int' },
  'stop.timeout': { kind: 'int' },
  'allow.raw_sockets': flag,
  'allow.sysvipc': flag,
  sysvmsg: { kind: 'string', choices: ['new', 'disable'] },
  sysvsem: { kind: 'string', choices: ['new', 'disable'] },
  sysvshm: { kind: 'string', choices: ['new', 'disable'] },
  'allow.chflags': flag,
  'allow.set_hostname': flag,
  'allow.socket_af': flag,
  'allow.reserved_ports': flag,
  'mount.devfs': flag,
  'mount.procfs': flag,
  depend: { kind: 'list' },
  'mount.fstab': { kind: 'string' },
  mount: { kind: 'list' },
  interface: { kind: 'string' },
  'sysjail.emulation': { kind: 'string' },
  'sysjail.allow.rlimit': flag,
  'sysjail.allow.host_loopback': flag,
  'sysjail.changeable': { kind: 'list' },
  'sysjail.rctl': { kind: 'list' },
  'sysjail.deny': { kind: 'list' },
  'sysjail.subpolicy': { kind: 'list' },
  'sysjail.move': { kind: 'string' },
};

const noMount = 'not supported: mounting is refused inside a jail';

/** FreeBSD parameters refused, and why. */
export const unsupportedParameters: Readonly<Record<string, string>> = {
  jid: 'not supported: the registry allocates JIDs; give the jail a name',
  vnet: 'not supported: Linux jails share the host network stack, confined to their addresses (no virtual stack)',
  'vnet.interface': 'not supported: no virtual network stack (see vnet)',
  'children.max': 'not supported: hierarchical jails (a jail cannot create jails)',
  'children.cur': 'read-only in FreeBSD; hierarchical jails are not supported',
  securelevel: 'not supported: Linux has no securelevel',
  enforce_statfs: 'not supported: a jail sees the mounts of its own mount namespace only',
  devfs_ruleset:
    'not supported: the jail /dev is a fixed small set (null, zero, full, random, urandom, tty, pts)',
  'allow.mount': noMount,
  'allow.mount.devfs': noMount,
  'allow.mount.fdescfs': noMount,
  'allow.mount.fusefs': noMount,
  'allow.mount.nullfs': noMount,
  'allow.mount.procfs': noMount,
  'allow.mount.linprocfs': noMount,
  'allow.mount.linsysfs': noMount,
  'allow.mount.tmpfs': noMount,
  'allow.mount.zfs': noMount,
  'allow.quotas': 'not supported: quotas cannot be administered from a jail',
  'allow.mlock': 'not supported: the jail keeps the kernel default for mlock',
  'allow.vmm': 'not supported: no vmm(4) on Linux',
  'allow.nfsd': 'not supported: no NFS server in a jail',
  'allow.extattr': 'not supported: system extended attributes cannot be set from a jail',
  'allow.adjtime': 'not supported: the clock cannot be set from a jail',
  'allow.settime': 'not supported: the clock cannot be set from a jail',
  'allow.routing': 'not supported: the routing table cannot be changed from a jail',
  'allow.suser': 'not supported: jailed root is always root inside the jail',
  'allow.unprivileged_proc_debug': 'not supported: ptrace is refused in a jail',
  'allow.read_msgbuf': 'not supported: the kernel log is refused in a jail',
  'allow.dying': 'not supported: no dying jails to change',
  'exec.fib': 'not supported: no FIBs on Linux',
  'ip4.saddrsel': 'not supported: the first address is used for unbound sockets',
  'ip6.saddrsel': 'not supported: the first address is used for unbound sockets',
  ip_hostname: 'not supported: give the addresses in ip4.addr and ip6.addr',
  'mount.fdescfs': 'not supported: the jail /dev is fixed',
  'host.domainname': 'not supported: Linux jails have only a host name',
  'host.hostuuid': 'not supported: Linux jails have only a host name',
  'host.hostid': 'not supported: Linux jails have only a host name',
  osrelease: 'not supported: the jail reports the host kernel release',
  osreldate: 'not supported: the jail reports the host kernel release',
  linux: 'not supported: jails run Linux binaries natively (see sysjail.emulation)',
  'linux.osname': 'not supported: jails run Linux binaries natively',
  'linux.osrelease': 'not supported: jails run Linux binaries natively',
  'linux.oss_version': 'not supported: jails run Linux binaries natively',
  'cpuset.id': 'read-only in FreeBSD; not supported',
  parent: 'read-only in FreeBSD; hierarchical jails are not supported',
  dying: 'read-only in FreeBSD',
  'zfs.mount_snapshot': 'not supported: no ZFS jails',
  meta: 'not supported',
  env: 'not supported',
};

export type Lookup =
  | {
      readonly found: 'supported';
      readonly canonical: string;
      readonly spec: ParameterSpec;
      readonly negated: boolean;
    }
  | { readonly found: 'unsupported'; readonly canonical: string; readonly reason: string }
  | { readonly found: 'unknown'; readonly nearest?: string };

/** `allow.noraw_sockets` → allow.raw_sockets negated; unknown names get the nearest known one. */
export function lookupParameter(name: string): Lookup {
  const direct = parameters[name];
  if (direct) return { found: 'supported', canonical: name, spec: direct, negated: false };
  if (unsupportedParameters[name])
    return { found: 'unsupported', canonical: name, reason: unsupportedParameters[name] };
  const dot = name.lastIndexOf('.');
  const last = name.slice(dot + 1);
  if (last.startsWith('no')) {
    const positive = name.slice(0, dot + 1) + last.slice(2);
    const spec = parameters[positive];
    if (spec?.kind === 'bool') return { found: 'supported', canonical: positive, spec, negated: true };
    if (unsupportedParameters[positive]) {
      return { found: 'unsupported', canonical: positive, reason: unsupportedParameters[positive] };
    }
  }
  return { found: 'unknown', nearest: nearestName(name) };
}

/** The known parameter closest to `name` (edit distance), if any is reasonably close. */
export function nearestName(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of [...Object.keys(parameters), ...Object.keys(unsupportedParameters)]) {
    const d = editDistance(name, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** FreeBSD's bool_param: no value is true; `true`/`false` or an integer; the `no` prefix inverts. */
export function boolValue(values: readonly string[], negated: boolean): boolean | undefined {
  let v: boolean;
  if (values.length === 0) v = true;
  else {
    const last = values[values.length - 1];
    if (/^true$/i.test(last)) v = true;
    else if (/^false$/i.test(last)) v = false;
    else if (/^[-+]?[0-9]+$/.test(last)) v = Number(last) !== 0;
    else return undefined;
  }
  return negated ? !v : v;
}
