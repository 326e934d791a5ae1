import type { JailTool } from './jail-config.js';

/** The usage lines, FreeBSD style, printed after a usage error. */
export const usage: Record<JailTool | 'jls' | 'sjls' | 'jexec' | 'mkjail', string> = {
  jail: 'usage: jail [-i] [-n jailname] [-u username] path hostname ip-number command ...\n       jail -r jid|jailname',
  sysjail:
    'usage: sysjail [-bi] [-4 addr] [-6 addr] [--allow-ipc] [--allow-all-domains] [--allow-raw-sockets]\n' +
    '               [--allow-chflags] [--allow-rlimit] [-n name] [-u user]\n' +
    '               path hostname address[,address...] command ...\n' +
    '       sysjail -r jid|name',
  jls: 'usage: jls [-nqv] [--json] [-j jail]',
  sjls: 'usage: sjls [--json] [-j jail]',
  jexec: 'usage: jexec [-u username] jid|name command ...',
  mkjail: 'usage: mkjail [-f] [-b binary ...] directory',
};
