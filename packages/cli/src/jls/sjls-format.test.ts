import { defaultPrisonFlags, type JailRecord } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { formatSjls, formatSjlsJson, formatSjlsVerbose, policyFlags } from './sjls-format.js';

const flags = defaultPrisonFlags;
const record: JailRecord = {
  jid: 7,
  name: 'web',
  path: '/jails/web',
  hostname: 'web.local',
  ipv4: ['127.0.0.2'],
  ipv6: ['::1'],
  flags: { ...flags, allowIpc: true, allowRlimit: true },
  emulation: 'linux',
  supervisorPid: 4242,
  supervisorStartTime: 1,
  initPid: 4250,
  startedAt: '2024-05-01T12:00:00.000Z',
  command: ['/bin/sh', '-c', 'httpd'],
  limits: [
    { subject: 'jail', jail: '7', resource: 'memoryuse', action: 'deny', amount: 64 * 2 ** 20 },
    { subject: 'jail', jail: '7', resource: 'maxproc', action: 'deny', amount: 20 },
  ],
};

describe('sjls', () => {
  it('names the policy flags in force', () => {
    expect(policyFlags(flags)).toBe('-');
    expect(policyFlags({ ...flags, allowAllDomains: true, allowChflags: true, allowRawSockets: true })).toBe(
      'all-domains,raw-sockets,chflags',
    );
  });

  it('prints one row per jail with emulation, supervisor and counts', () => {
    expect(
      formatSjls([
        { record, processes: 3, counters: { denied: 12, emulated: 345 } },
        { record: { ...record, jid: 8, flags, supervisorPid: 9 } },
      ]),
    ).toBe(
      '   JID  Emulation Supervisor  Procs   Denied Emulated  Flags                         Hostname\n' +
        '     7  linux           4242      3       12      345  ipc,rlimit                    web.local\n' +
        '     8  linux              9      -        -        -  -                             web.local\n',
    );
  });

  it('-v prints everything, per-call counters sorted', () => {
    const text = formatSjlsVerbose([
      {
        record,
        processes: 2,
        counters: {
          denied: 1,
          emulated: 2,
          byCall: { setrlimit: { denied: 0, emulated: 2 }, bind: { denied: 1, emulated: 0 } },
        },
      },
    ]);
    expect(text).toBe(
      [
        'jid:        7',
        'name:       web',
        'hostname:   web.local',
        'path:       /jails/web',
        'ip4.addr:   127.0.0.2',
        'ip6.addr:   ::1',
        'emulation:  linux',
        'flags:      ipc,rlimit',
        'supervisor: 4242',
        'init:       4250',
        'started:    2024-05-01T12:00:00.000Z',
        'processes:  2',
        'denied:     1',
        'emulated:   2',
        'command:    /bin/sh -c httpd',
        'limits:     memoryuse:deny=64M maxproc:deny=20',
        '  bind:     denied 1, emulated 0',
        '  setrlimit:denied 0, emulated 2',
        '',
      ].join('\n'),
    );
  });

  it('--json', () => {
    const j = JSON.parse(formatSjlsJson([{ record, counters: { denied: 1, emulated: 2 } }]));
    expect(j.jails[0]).toMatchObject({
      jid: 7,
      name: 'web',
      processes: null,
      denied: 1,
      emulated: 2,
      supervisorPid: 4242,
    });
  });
});
