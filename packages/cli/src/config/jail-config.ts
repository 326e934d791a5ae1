import {
  type ChangeableFlag,
  checkJailMount,
  type JailMount,
  type Prison,
  PrisonConfigError,
  type PrisonFlags,
  parseRctlRule,
  type RctlRule,
} from '@sysjail/core';
import {
  HostLoopbackAddressError,
  MissingArgumentError,
  MissingPathError,
  NoCommandError,
  NotRootError,
  UsageError,
} from '../errors.js';
import { hostLoopbackRole, type JailAddress, parseAddress, parseAddressList } from './address.js';
import { CHANGEABLE, parseChangeableList } from './changeable.js';
import { getopt } from './getopt.js';
import { checkHostname } from './hostname.js';
import { checkJailName, parseJailRef } from './jail-name.js';
import { checkJailPath } from './jail-path.js';
import { type JailUser, resolveJailUser } from './jail-user.js';

export type JailTool = 'jail' | 'sysjail';

/** Start a jail: `jail path hostname ip command ...`, `sysjail [options] path hostname addrs command ...`. */
export interface StartJailConfig {
  readonly kind: 'start';
  readonly tool: JailTool;
  readonly prison: Prison;
  readonly command: readonly string[];
  /** -b: print the JID once the jail is up and return. */
  readonly background: boolean;
  /** -i (jail): print the JID once the jail is up, then run in the foreground. */
  readonly printJid: boolean;
  /** -u: resolved in the host's /etc/passwd; -U: in the jail's (as FreeBSD's jail(8)). */
  readonly user?: JailUser;
  /**
   * -l (exec.clean): FreeBSD's clean login environment instead of the caller's; then --unsetenv and
   * --setenv in the order given.
   */
  readonly environment?: {
    readonly clean: boolean;
    readonly changes: readonly (readonly [name: string, value: string | undefined])[];
  };
  /** --memory, --maxproc, --pcpu: rctl limits of this jail (resource, deny, amount). */
  readonly limits?: readonly {
    readonly resource: string;
    readonly action: string;
    readonly amount: number;
  }[];
  /** --emulation: run the command as a program of this emulation, whatever its ELF header says. */
  readonly emulation?: string;
  /** -t: a terminal for the command always; -T: never; default: when stdin is a terminal. */
  readonly terminal: 'auto' | 'force' | 'never';
}

/** Stop jails: `jail -r [-v] jid|name ...` or `jail -r '*'` (every jail). */
export interface RemoveJailConfig {
  readonly kind: 'remove';
  readonly tool: JailTool;
  readonly jails: readonly (number | string)[] | '*';
  /** -v: say `NAME: removed` for each. */
  readonly verbose: boolean;
}

/**
 * sysjail --explain: print the policy a jail of this prison would run under, per ABI; start nothing.
 * Operands are optional (`[path hostname addresses [command ...]]`): the policy depends on the flags,
 * on which address families the prison has, and on the emulation (--emulation, else the command's).
 */
export interface ExplainJailConfig {
  readonly kind: 'explain';
  readonly tool: JailTool;
  readonly prison: Prison;
  readonly command: readonly string[];
  readonly emulation?: string;
  /** --changeable: the flags a jail made with them as sysjail.changeable routes to its supervisor. */
  readonly changeableFlags?: readonly ChangeableFlag[];
}

export type JailConfig = StartJailConfig | RemoveJailConfig | ExplainJailConfig;

export interface ParseContext {
  /** geteuid(); only root may start or stop jails. */
  readonly euid: number;
}

const allowFlags: Record<string, keyof PrisonFlags> = {
  'allow-ipc': 'allowIpc',
  'allow-all-domains': 'allowAllDomains',
  'allow-raw-sockets': 'allowRawSockets',
  'allow-chflags': 'allowChflags',
  'allow-rlimit': 'allowRlimit',
};

/** Accept the host's own loopback (127.0.0.1, ::1) and the 127/8 network and broadcast as jail addresses. */
const ALLOW_HOST_LOOPBACK = 'allow-host-loopback';

/** sysjail's limit options and the rctl resource each sets (action deny). */
const limitOptions: Record<string, string> = { memory: 'memoryuse', maxproc: 'maxproc', pcpu: 'pcpu' };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Host directories and file systems in the jail, with bubblewrap's names; mount.devfs devices. */
const mountOptions = ['bind==', 'ro-bind==', 'tmpfs=', 'device=', 'setenv=', 'unsetenv='];

const specs = {
  jail: { short: 'iln:rtTu:U:v', long: mountOptions },
  sysjail: {
    short: 'b4:6:iln:rtTu:U:v',
    long: [
      ...Object.keys(allowFlags),
      ALLOW_HOST_LOOPBACK,
      ...Object.keys(limitOptions).map((l) => `${l}=`),
      ...mountOptions,
      'emulation=',
      'explain',
      'changeable=',
    ],
  },
} as const;

/**
 * argv (without node and the script) → a typed jail configuration. One implementation for both tools:
 * `jail` is `sysjail` with FreeBSD's four-argument form (one address operand) and every --allow flag off.
 * Throws a UsageError (exit status 2) for anything wrong, before anything is started.
 */
export function parseJailArgs(tool: JailTool, argv: readonly string[], ctx: ParseContext): JailConfig {
  const { options, operands } = getopt(argv, specs[tool]);
  const flags: { -readonly [K in keyof PrisonFlags]: PrisonFlags[K] } = {
    allowIpc: false,
    allowAllDomains: false,
    allowRawSockets: false,
    allowChflags: false,
    allowRlimit: false,
    allowSetHostname: true,
  };
  const extra: JailAddress[] = [];
  let background = false;
  let printJid = false;
  let name: string | undefined;
  let user: string | undefined;
  let userInJail = false;
  let remove = false;
  let verbose = false;
  const limits: { resource: string; action: string; amount: number }[] = [];
  const mounts: JailMount[] = [];
  let clean = false;
  const changes: [string, string | undefined][] = [];
  const devices: string[] = [];
  let emulation: string | undefined;
  let terminal: StartJailConfig['terminal'] = 'auto';
  let allowHostLoopback = false;
  let explain = false;
  const changeable: string[] = [];
  for (const o of options) {
    switch (o.name) {
      case 'changeable':
        changeable.push(o.value ?? '');
        break;
      case 'explain':
        explain = true;
        break;
      case 't':
        terminal = 'force';
        break;
      case 'T':
        terminal = 'never';
        break;
      case 'emulation':
        if (!o.value) throw new MissingArgumentError('emulation name');
        emulation = o.value;
        break;
      case 'b':
        background = true;
        break;
      case 'i':
        printJid = true;
        break;
      case '4':
        extra.push(parseAddress(o.value ?? '', 'inet'));
        break;
      case '6':
        extra.push(parseAddress(o.value ?? '', 'inet6'));
        break;
      case 'n':
        name = checkJailName(o.value ?? '');
        break;
      case 'u':
      case 'U':
        user = o.value;
        userInJail = o.name === 'U';
        break;
      case 'r':
        remove = true;
        break;
      case 'v':
        verbose = true;
        break;
      case ALLOW_HOST_LOOPBACK:
        allowHostLoopback = true;
        break;
      case 'l':
        clean = true;
        break;
      case 'setenv': {
        const text = o.value ?? '';
        const eq = text.indexOf('=');
        const envName = eq < 0 ? text : text.slice(0, eq);
        if (eq < 0 || !ENV_NAME.test(envName))
          throw new UsageError('BAD_SETENV', `--setenv: expected NAME=VALUE: ${text}`);
        changes.push([envName, text.slice(eq + 1)]);
        break;
      }
      case 'unsetenv':
        if (!ENV_NAME.test(o.value ?? ''))
          throw new UsageError('BAD_UNSETENV', `--unsetenv: not a variable name: ${o.value}`);
        changes.push([o.value ?? '', undefined]);
        break;
      case 'bind':
      case 'ro-bind':
        mounts.push({
          kind: 'bind',
          source: o.value ?? '',
          target: o.value2 ?? '',
          readonly: o.name === 'ro-bind',
        });
        break;
      case 'tmpfs':
        mounts.push({ kind: 'tmpfs', target: o.value ?? '', readonly: false });
        break;
      case 'device':
        devices.push(o.value ?? '');
        break;
      default:
        if (o.name in limitOptions) {
          const resource = limitOptions[o.name];
          let rule: RctlRule;
          try {
            rule = parseRctlRule(`jail:x:${resource}:deny=${o.value ?? ''}`);
          } catch {
            throw new UsageError('BAD_LIMIT', `--${o.name}: bad amount "${o.value}"`);
          }
          limits.push({ resource, action: 'deny', amount: rule.amount });
        } else flags[allowFlags[o.name]] = true;
    }
  }
  if (explain && (remove || background))
    throw new UsageError(
      'EXPLAIN_STARTS_NOTHING',
      `--explain starts no jail: not with ${remove ? '-r' : '-b'}`,
    );
  if (changeable.length > 0 && !explain)
    throw new UsageError(
      'CHANGEABLE_WITHOUT_EXPLAIN',
      '--changeable goes with --explain (a jail is made changeable by sysjail.changeable in jail.conf)',
    );
  const changeableFlags = parseChangeableList(changeable, (v) => {
    throw new UsageError(
      'BAD_CHANGEABLE',
      `--changeable: ${v}: not a flag that can change while the jail runs (${Object.keys(CHANGEABLE).join(', ')})`,
    );
  });
  const explainExtras = {
    ...(emulation === undefined ? {} : { emulation }),
    ...(changeableFlags.length > 0 ? { changeableFlags } : {}),
  };
  if (remove) {
    if (operands.length === 0) throw new MissingArgumentError('jail to remove');
    const all = operands.length === 1 && operands[0] === '*';
    const jails = all ? '*' : operands.map(parseJailRef);
    if (ctx.euid !== 0) throw new NotRootError(tool);
    return { kind: 'remove', tool, jails, verbose };
  }
  if (verbose) throw new UsageError('VERBOSE_WITHOUT_REMOVE', '-v goes with -r');
  const [path, hostname, addresses, ...command] = operands;
  if (explain && path === undefined) {
    checkHostLoopback(extra, allowHostLoopback);
    return {
      kind: 'explain',
      tool,
      prison: prisonOf('/', 'jail', extra, flags),
      command: [],
      ...explainExtras,
    };
  }
  if (path === undefined) throw new MissingPathError();
  const root = checkJailPath(path);
  if (hostname === undefined) throw new MissingArgumentError('hostname');
  checkHostname(hostname);
  if (addresses === undefined) throw new MissingArgumentError('IP address');
  const all = [...parseAddressList(addresses), ...extra];
  checkHostLoopback(all, allowHostLoopback);
  if (explain) {
    return {
      kind: 'explain',
      tool,
      prison: { ...prisonOf(root, hostname, all, flags), ...(name === undefined ? {} : { name }) },
      command,
      ...explainExtras,
    };
  }
  if (command.length === 0) throw new NoCommandError();
  const jailUser = user === undefined ? undefined : resolveJailUser(userInJail ? root : '/', user);
  if (ctx.euid !== 0) throw new NotRootError(tool);
  for (const m of mounts) {
    try {
      checkJailMount(m);
    } catch (e) {
      if (e instanceof PrisonConfigError)
        throw new UsageError(
          'BAD_MOUNT',
          `--${m.kind === 'tmpfs' ? 'tmpfs' : m.readonly ? 'ro-bind' : 'bind'}: ${e.message}`,
        );
      throw e;
    }
  }
  const prison: Prison = {
    ...prisonOf(root, hostname, all, flags),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(devices.length > 0 ? { devices } : {}),
    ...(name === undefined ? {} : { name }),
  };
  return {
    kind: 'start',
    tool,
    prison,
    command,
    background,
    printJid,
    terminal,
    ...(jailUser === undefined ? {} : { user: jailUser }),
    ...(limits.length > 0 ? { limits } : {}),
    ...(emulation === undefined ? {} : { emulation }),
    ...(clean || changes.length > 0 ? { environment: { clean, changes } } : {}),
  };
}

/** Without --allow-host-loopback, the host's own loopback addresses are refused as jail addresses. */
function checkHostLoopback(all: readonly JailAddress[], allowHostLoopback: boolean): void {
  if (allowHostLoopback) return;
  for (const a of all) {
    const role = hostLoopbackRole(a);
    if (role !== undefined) throw new HostLoopbackAddressError(a.address, role);
  }
}

/** The prison's root, name, addresses (each once, by family), interface aliases and flags. */
function prisonOf(root: string, hostname: string, all: readonly JailAddress[], flags: PrisonFlags): Prison {
  const unique = (family: JailAddress['family']) => [
    ...new Set(all.filter((a) => a.family === family).map((a) => a.address)),
  ];
  const aliases = [
    ...new Map(
      all.flatMap((a) =>
        a.interface === undefined
          ? []
          : [[a.address, { interface: a.interface, address: a.address, prefixLength: a.prefixLength ?? 32 }]],
      ),
    ).values(),
  ];
  return {
    path: root,
    hostname,
    ipv4: unique('inet'),
    ipv6: unique('inet6'),
    ...(aliases.length > 0 ? { aliases } : {}),
    flags,
  };
}
