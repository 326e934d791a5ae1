import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPrisonFlags, openRegistry, writeJailCounters } from '@sysjail/core';
import { afterAll, describe, expect, it } from 'vitest';
import { jlsMain } from './jls.js';
import { sjlsMain } from './sjls.js';

const dir = mkdtempSync(join(tmpdir(), 'sysjail-jls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const registry = openRegistry(join(dir, 'jails'));
const counters = join(dir, 'counters.json');
const base = {
  ipv6: [],
  flags: defaultPrisonFlags,
  emulation: 'linux',
  supervisorPid: process.pid,
};
const a = registry.allocate({ ...base, path: '/jails/a', hostname: 'a', ipv4: ['127.0.0.2'] });
const b = registry.allocate({
  ...base,
  name: 'web',
  path: '/jails/web',
  hostname: 'web.local',
  ipv4: ['127.0.0.3'],
  ipv6: ['::1'],
  // This test process stands in for the jail's init: its PID namespace is the host's.
  initPid: process.pid,
  countersPath: counters,
});
writeJailCounters(counters, { denied: 4, emulated: 9 });
// A stale record (supervisor long gone) is healed away by the listing.
writeFileSync(join(registry.dir, '77.json'), JSON.stringify({ ...a, jid: 77, supervisorPid: 2 ** 22 + 1 }));

describe('jls on a real registry', () => {
  it('lists live jails in FreeBSD’s format', () => {
    expect(jlsMain([], registry)).toBe(
      '   JID  IP Address      Hostname                      Path\n' +
        `${String(a.jid).padStart(6)}  127.0.0.2       a                             /jails/a\n` +
        `${String(b.jid).padStart(6)}  127.0.0.3       web.local                     /jails/web\n`,
    );
  });

  it('-j by name and JID, -n, -h, parameters, --json', () => {
    expect(jlsMain(['-j', 'web'], registry)).toContain('web.local');
    expect(jlsMain(['-j', String(a.jid)], registry).split('\n')).toHaveLength(3);
    expect(jlsMain(['-n', '-j', 'web'], registry)).toMatch(
      /^nodying jid=2 name=web parent=0 path=\/jails\/web /,
    );
    expect(jlsMain(['-j', 'web', 'jid', 'name', 'ip6.addr'], registry)).toBe('2 web ::1\n');
    expect(jlsMain(['-j', '1', 'ip6.addr'], registry)).toBe('-\n');
    expect(jlsMain(['-q', '-j', '1', 'ip6.addr'], registry)).toBe('""\n');
    expect(jlsMain(['-h', '-j', '1', 'jid', 'host.hostname'], registry)).toBe('jid host.hostname\n1 a\n');
    expect(JSON.parse(jlsMain(['--json'], registry))['jail-information'].jail).toHaveLength(2);
  });

  it('sjls shows the counters and counts the processes', () => {
    const out = sjlsMain(['-j', 'web'], registry).split('\n');
    expect(out[1]).toMatch(new RegExp(`^ {5}2  linux +${process.pid} +[0-9]+ +4 +9  - +web\\.local$`));
    const procs = Number(out[1].trim().split(/ +/)[3]);
    expect(procs).toBeGreaterThan(1);
    expect(sjlsMain(['-v', '-j', '1'], registry)).toContain('processes:  -\n');
  });
});
