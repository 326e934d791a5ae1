/**
 * Every tool's synopsis, the one source: `--help` prints it, a usage error prints it after the message,
 * and usage.test.ts checks each against the SYNOPSIS of the tool's man page (same options, same
 * operands). One entry per tool, one string per form of the command; add an option here and in the
 * man page together.
 */
export const synopses = {
  jail: [
    '[-iqv] [-f conf_file] [-J jid_file] [-p limit] -c [jail ... | *]',
    '-r | -rc [-qv] [-f conf_file] [* | jail ...]',
    '-R [-qv] [* | jail ...]',
    '[-q] -m jail param=value ...',
    '[-ilqv] [-J jid_file] [-n jailname] [-u username] [-U username] -c param=value ... [command=command ...]',
    '[-iltT] [-n jailname] [-u username | -U username] [--setenv name=value] [--unsetenv name] ' +
      '[--bind source target] [--ro-bind source target] [--tmpfs target] [--device name] ' +
      'path hostname ip-number command ...',
  ],
  sysjail: [
    '[-biltT] [-4 address] [-6 address] [--allow-ipc] [--allow-all-domains] [--allow-raw-sockets] ' +
      '[--allow-chflags] [--allow-rlimit] [--allow-host-loopback] [--memory bytes] [--maxproc count] [--pcpu percent] ' +
      '[--bind source target] [--ro-bind source target] [--tmpfs target] [--device name] ' +
      '[--emulation name] [--setenv name=value] [--unsetenv name] [-n name] [-u user | -U user] ' +
      'path hostname address[,address...] command ...',
    '-r [-v] jid|name ... | *',
    '--explain [-4 address] [-6 address] [--allow-ipc] [--allow-all-domains] [--allow-raw-sockets] ' +
      '[--allow-chflags] [--allow-rlimit] [--allow-host-loopback] [--changeable param[,param...]] ' +
      '[--emulation name] [path hostname address[,address...] [command ...]]',
  ],
  jls: ['[-dhNnqsv] [--json] [-j jail] [parameter ...]'],
  sjls: ['[-v] [--json] [-j jail]'],
  jexec: ['[-ltT] [-P subpolicy] [-u username | -U username] jail [command ...]'],
  mkjail: ['[-f] [-b binary ...] [--from-tar file | --debootstrap suite [--mirror url]] directory'],
  rctl: ['[-h] [-n] [filter]', '-a rule ...', '-r filter ...', '-u [-h] [-n] filter'],
  'sysjail-service': ['[-f file] start | stop', '[-d destdir] install | uninstall'],
} as const satisfies Record<string, readonly string[]>;

export type Tool = keyof typeof synopses;

const WIDTH = 100;

/** `usage: tool form...`, FreeBSD style: later forms under the first, long forms wrapped at options. */
export function usageText(tool: Tool): string {
  const lead = 'usage: ';
  const lines: string[] = [];
  for (const [i, form] of synopses[tool].entries()) {
    const first = `${i === 0 ? lead : ' '.repeat(lead.length)}${tool} `;
    const indent = ' '.repeat(first.length);
    let line = first;
    for (const word of form.match(/(?:\[[^\]]*\]|[^\s[])+/g) ?? []) {
      if (line.length + word.length > WIDTH && line.trim().length > tool.length + 6) {
        lines.push(line.trimEnd());
        line = indent;
      }
      line += `${word} `;
    }
    lines.push(line.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

/** Every tool's usage text, by tool. */
export const usage = Object.fromEntries(
  Object.keys(synopses).map((t) => [t, usageText(t as Tool)]),
) as Record<Tool, string>;
