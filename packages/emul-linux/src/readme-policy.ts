/** The README's policy section: the default prison and every prison flag turned on. */

import type { Prison } from '@sysjail/core';
import { defaultPrisonFlags } from '@sysjail/core';
import { linuxJailPolicy } from './policy.js';
import { policyTable } from './policy-table.js';

const base: Prison = {
  path: '/jail',
  hostname: 'jail',
  ipv4: ['192.0.2.1'],
  ipv6: ['2001:db8::1'],
  flags: defaultPrisonFlags,
};

export function readmePolicySection(): string {
  const open: Prison = {
    ...base,
    flags: {
      allowIpc: true,
      allowAllDomains: true,
      allowRawSockets: true,
      allowChflags: true,
      allowRlimit: true,
      allowSetHostname: true,
    },
  };
  const none: Prison = { ...base, ipv4: [], ipv6: [] };
  return [
    '### Default prison flags, with IPv4 and IPv6 addresses',
    '',
    policyTable(linuxJailPolicy(base)),
    '### Every allow flag on (allowIpc, allowAllDomains, allowRawSockets, allowChflags, allowRlimit, allowSetHostname)',
    '',
    policyTable(linuxJailPolicy(open)),
    '### Default flags, no addresses (socket rules only)',
    '',
    policyTable({
      ...linuxJailPolicy(none),
      rules: linuxJailPolicy(none).rules.filter((r) => r.syscall === 'socket'),
    }),
  ].join('\n');
}
