import type { ChangeableFlag } from '@sysjail/core';

/**
 * The allow.* parameters core can change on a running jail, by their jail.conf names
 * (sysjail.changeable, sysjail --explain --changeable), with core's flag names.
 */
export const CHANGEABLE: Readonly<Record<string, ChangeableFlag>> = {
  'allow.raw_sockets': 'allowRawSockets',
  'allow.sysvipc': 'allowIpc',
  'allow.chflags': 'allowChflags',
  'allow.set_hostname': 'allowSetHostname',
  'allow.socket_af': 'allowAllDomains',
};

/**
 * A comma-separated list of those names → core's flags, each once, in the order given. `bad` receives
 * a name that is not one and throws the caller's error.
 */
export function parseChangeableList(
  values: readonly string[],
  bad: (name: string) => never,
): ChangeableFlag[] {
  return [
    ...new Set(
      values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map((v) => CHANGEABLE[v] ?? bad(v)),
    ),
  ];
}
