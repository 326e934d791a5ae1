import { defaultPrisonFlags, type JailRecord } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { formatJls, formatJlsJson, formatJlsNameValue, formatJlsVerbose } from './jls-format.js';

const flags = defaultPrisonFlags;

const records: JailRecord[] = [
  {
    jid: 1,
    path: '/jails/ahost',
    hostname: 'ahost',
    ipv4: ['127.0.0.1'],
    ipv6: [],
    flags,
    emulation: 'linux',
    supervisorPid: 100,
    supervisorStartTime: 5,
    startedAt: '2024-01-01T00:00:00.000Z',
  },
  {
    jid: 23,
    name: 'web',
    path: '/usr/jails/a very long path/that goes on and on and on/and on and on/for more than seventy-four characters',
    hostname: 'a-rather-long-hostname.example.org',
    ipv4: ['127.100.200.250', '127.0.0.3'],
    ipv6: ['::1'],
    flags: { ...flags, allowIpc: true, allowRawSockets: true },
    emulation: 'linux',
    supervisorPid: 200,
    supervisorStartTime: 6,
    startedAt: '2024-01-01T00:00:00.000Z',
  },
  {
    jid: 123456,
    name: 'v6only',
    path: '/j',
    hostname: 'six',
    ipv4: [],
    ipv6: ['::1'],
    flags,
    emulation: 'linux',
    supervisorPid: 300,
    supervisorStartTime: 7,
    startedAt: '2024-01-01T00:00:00.000Z',
  },
];

describe('jls', () => {
  it('prints FreeBSD jls’s four columns: %6d  %-15.15s %-29.29s %.74s', () => {
    expect(formatJls(records)).toBe(
      '   JID  IP Address      Hostname                      Path\n' +
        '     1  127.0.0.1       ahost                         /jails/ahost\n' +
        '    23  127.100.200.250 a-rather-long-hostname.exampl /usr/jails/a very long path/that goes on and on and on/and on and on/for m\n' +
        '123456                  six                           /j\n',
    );
  });

  it('prints just the header when there are no jails', () => {
    expect(formatJls([])).toBe('   JID  IP Address      Hostname                      Path\n');
  });

  it('-v: the multiple-line summary', () => {
    expect(formatJlsVerbose(records.slice(0, 2))).toBe(
      '   JID  Hostname                      Path\n' +
        '        Name                          State\n' +
        '        CPUSetID\n' +
        '        IP Address(es)\n' +
        '     1  ahost                         /jails/ahost\n' +
        '        1                             ACTIVE\n' +
        '        -\n' +
        '        127.0.0.1\n' +
        '    23  a-rather-long-hostname.exampl /usr/jails/a very long path/that goes on and on and on/and on and on/for m\n' +
        '        web                           ACTIVE\n' +
        '        -\n' +
        '        127.100.200.250\n' +
        '        127.0.0.3\n' +
        '        ::1\n',
    );
  });

  it('-n: name=value, top-level parameters first, booleans as name/noname', () => {
    expect(formatJlsNameValue(records.slice(0, 1))).toBe(
      'nodying jid=1 name=1 parent=0 path=/jails/ahost allow.nochflags allow.noraw_sockets allow.norlimit ' +
        'allow.set_hostname allow.nosocket_af allow.nosysvipc host.hostname=ahost ip4.addr=127.0.0.1 ip6.addr= ' +
        'sysjail.emulation=linux\n',
    );
  });

  it('-nq: quotes values with spaces, and empty ones', () => {
    const line = formatJlsNameValue(records.slice(1, 2), true);
    expect(line).toContain(
      'path="/usr/jails/a very long path/that goes on and on and on/and on and on/for more than seventy-four characters"',
    );
    expect(line).toContain('allow.raw_sockets allow.norlimit');
    expect(line).toContain('allow.sysvipc host.hostname=a-rather-long-hostname.example.org');
    expect(line).toContain('ip4.addr=127.100.200.250,127.0.0.3 ip6.addr=::1');
    expect(formatJlsNameValue(records.slice(0, 1), true)).toContain('ip6.addr="" ');
    expect(formatJlsNameValue([{ ...records[0], path: `/it's` }], true)).toContain(`path="/it's"`);
    expect(formatJlsNameValue([{ ...records[0], path: '/say "x"' }], true)).toContain(`path='/say "x"'`);
    expect(formatJlsNameValue([{ ...records[0], path: '/a b' }], false)).toContain('path=/a b ');
  });

  it('--json: libxo’s jail-information', () => {
    expect(JSON.parse(formatJlsJson(records.slice(0, 1)))).toEqual({
      __version: '2',
      'jail-information': { jail: [{ jid: 1, ipv4: '127.0.0.1', hostname: 'ahost', path: '/jails/ahost' }] },
    });
    expect(JSON.parse(formatJlsJson(records.slice(2), 'verbose'))['jail-information'].jail[0]).toEqual({
      jid: 123456,
      hostname: 'six',
      path: '/j',
      name: 'v6only',
      state: 'ACTIVE',
      ipv4_addrs: [],
      ipv6_addrs: ['::1'],
    });
    const nv = JSON.parse(formatJlsJson(records.slice(1, 2), 'nameval'))['jail-information'].jail[0];
    expect(nv['allow.sysvipc']).toBe(true);
    expect(nv['ip4.addr']).toBe('127.100.200.250,127.0.0.3');
  });
});
