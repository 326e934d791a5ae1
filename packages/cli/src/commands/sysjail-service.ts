// sysjail-service(8): the boot side of jails, as FreeBSD's rc does it with jail_enable and jail_list.
//   sysjail-service [-f sysjail.conf] start    jail -c for jail_list (every jail of the file if empty)
//   sysjail-service [-f sysjail.conf] stop     jail -r '*'
//   sysjail-service [-d destdir] install | uninstall   the systemd unit and a default sysjail.conf
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getopt } from '../config/getopt.js';
import { CliError, MissingArgumentError, NotRootError, UsageError } from '../errors.js';

export const SYSJAIL_CONF = '/etc/sysjail.conf';
export const UNIT_DIR = '/etc/systemd/system';
export const UNIT_NAME = 'sysjail.service';

export interface ServiceConfig {
  /** jail_enable: YES to start jails at boot. */
  readonly enable: boolean;
  /** jail_list: the jails to create, in order; empty: every jail of the configuration. */
  readonly list: readonly string[];
  /** jail_conf: the jail.conf(5) to use; default /etc/jail.conf (and /etc/jail.conf.d). */
  readonly conf?: string;
  /** jail_flags: extra jail(8) options, e.g. -v. */
  readonly flags: readonly string[];
}

/** rc.conf-style `name="value"` lines; # comments. */
export function parseServiceConfig(text: string, file = SYSJAIL_CONF): ServiceConfig {
  const vars = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|(\S*))$/.exec(line);
    if (!m) throw new UsageError('SERVICE_CONF', `${file}:${i + 1}: expected name="value"`);
    vars.set(m[1], m[2] ?? m[3] ?? m[4] ?? '');
  }
  for (const k of vars.keys()) {
    if (!['jail_enable', 'jail_list', 'jail_conf', 'jail_flags'].includes(k))
      throw new UsageError(
        'SERVICE_CONF',
        `${file}: unknown setting ${k} (jail_enable, jail_list, jail_conf, jail_flags)`,
      );
  }
  const words = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean);
  const conf = vars.get('jail_conf');
  return {
    enable: /^(yes|true|on|1)$/i.test(vars.get('jail_enable') ?? 'NO'),
    list: words(vars.get('jail_list')),
    ...(conf ? { conf } : {}),
    flags: words(vars.get('jail_flags')),
  };
}

/** The jail(8) command lines `start` and `stop` run. */
export function serviceCommands(c: ServiceConfig): { start?: string[]; stop: string[] } {
  const f = c.conf ? ['-f', c.conf] : [];
  return {
    ...(c.enable ? { start: [...c.flags, ...f, '-c', ...c.list] } : {}),
    stop: [...c.flags, ...f, '-r', '*'],
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const jailScript = join(here, '..', 'bin', 'jail.js');
const serviceScript = join(here, '..', 'bin', 'sysjail-service.js');
const unitTemplate = join(here, '..', '..', 'systemd', 'sysjail.service.in');

const DEFAULT_CONF = `# sysjail.conf: which jails sysjail.service starts at boot (see sysjail-service(8)).
# jail_enable="YES" starts them; jail_list names them (empty: every jail of jail_conf).
jail_enable="NO"
jail_list=""
#jail_conf="/etc/jail.conf"
#jail_flags="-v"
`;

/** The unit file, with this node and this package's paths. */
export function unitText(sysjailConf = SYSJAIL_CONF): string {
  return readFileSync(unitTemplate, 'utf8')
    .replaceAll('@NODE@', process.execPath)
    .replaceAll('@SERVICE@', serviceScript)
    .replaceAll('@SYSJAIL_CONF@', sysjailConf);
}

function runJail(args: readonly string[]): number {
  const r = spawnSync(process.execPath, [jailScript, ...args], { stdio: 'inherit' });
  return r.status ?? 1;
}

export async function sysjailServiceMain(argv: readonly string[]): Promise<number> {
  const { options, operands } = getopt(argv, { short: 'd:f:' });
  const value = (l: string) => options.filter((o) => o.name === l).at(-1)?.value;
  const [verb, ...rest] = operands;
  if (verb === undefined) throw new MissingArgumentError('command (start, stop, install, uninstall)');
  if (rest.length > 0) throw new UsageError('EXTRA_OPERANDS', `unexpected operand: ${rest[0]}`);
  if ((process.geteuid?.() ?? -1) !== 0) throw new NotRootError('sysjail-service');
  const confFile = value('f') ?? SYSJAIL_CONF;
  const dest = value('d') ?? '';
  switch (verb) {
    case 'start':
    case 'stop': {
      let text = '';
      try {
        text = readFileSync(confFile, 'utf8');
      } catch (e) {
        if (verb === 'start')
          throw new CliError('SERVICE_CONF', `${confFile}: ${(e as NodeJS.ErrnoException).code}`, 1);
      }
      const cmds = serviceCommands(parseServiceConfig(text, confFile));
      if (verb === 'start') return cmds.start ? runJail(cmds.start) : 0;
      // Nothing to stop is not a failure at shutdown.
      const r = spawnSync(process.execPath, [jailScript, ...cmds.stop], {
        stdio: ['ignore', 'inherit', 'pipe'],
        encoding: 'utf8',
      });
      if (r.status !== 0 && !/not found/.test(r.stderr)) process.stderr.write(r.stderr);
      return r.status === 0 || /not found/.test(r.stderr) ? 0 : (r.status ?? 1);
    }
    case 'install': {
      const unit = join(dest, UNIT_DIR, UNIT_NAME);
      mkdirSync(dirname(unit), { recursive: true });
      writeFileSync(unit, unitText(), { mode: 0o644 });
      const conf = join(dest, SYSJAIL_CONF);
      if (!existsSync(conf)) {
        mkdirSync(dirname(conf), { recursive: true });
        writeFileSync(conf, DEFAULT_CONF, { mode: 0o644 });
      }
      process.stdout.write(`${unit}\n${conf}\n`);
      if (dest === '') spawnSync('systemctl', ['daemon-reload'], { stdio: 'ignore' });
      return 0;
    }
    case 'uninstall': {
      rmSync(join(dest, UNIT_DIR, UNIT_NAME), { force: true });
      if (dest === '') spawnSync('systemctl', ['daemon-reload'], { stdio: 'ignore' });
      return 0;
    }
    default:
      throw new UsageError('UNKNOWN_COMMAND', `unknown command: ${verb} (start, stop, install, uninstall)`);
  }
}
