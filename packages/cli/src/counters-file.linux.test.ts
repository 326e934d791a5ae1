import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPrisonFlags, openRegistry, readJailCounters } from '@sysjail/core';
import { afterAll, describe, expect, it } from 'vitest';
import { countersFileOf, keepCountersFile } from './counters-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sysjail-counters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keepCountersFile', () => {
  it('keeps the counters file fresh, names it in the record, removes it at the end', async () => {
    const registry = openRegistry(join(dir, 'jails'));
    const rec = registry.allocate({
      path: '/j',
      hostname: 'h',
      ipv4: ['127.0.0.1'],
      ipv6: [],
      flags: defaultPrisonFlags,
      emulation: 'linux',
      supervisorPid: process.pid,
    });
    let denied = 1;
    const jail = {
      jid: rec.jid,
      counters: () => ({
        notified: 0,
        denied,
        emulated: 2 * denied,
        listenerFailures: 0,
        byCall: { mkdir: { denied, emulated: 0 }, listen: { denied: 0, emulated: 2 * denied } },
      }),
    };
    const stop = keepCountersFile(registry, jail, join(dir, 'counters'), 20);
    const path = registry.find(rec.jid)?.countersPath as string;
    expect(path).toBe(join(dir, 'counters', `${rec.jid}.json`));
    expect(readJailCounters(path)).toEqual({
      denied: 1,
      emulated: 2,
      byCall: { mkdir: { denied: 1, emulated: 0 }, listen: { denied: 0, emulated: 2 } },
    });
    denied = 5;
    await new Promise((r) => setTimeout(r, 100));
    expect(readJailCounters(path)).toMatchObject({
      denied: 5,
      emulated: 10,
      byCall: { mkdir: { denied: 5 } },
    });
    stop();
    expect(existsSync(path)).toBe(false);
  });

  it('named: the start named the file in the record already (startJail countersPath); the record is left alone', () => {
    const registry = openRegistry(join(dir, 'jails-named'));
    const rec = registry.allocate({
      path: '/j',
      hostname: 'h',
      ipv4: [],
      ipv6: [],
      flags: defaultPrisonFlags,
      emulation: 'linux',
      supervisorPid: process.pid,
    });
    const jail = {
      jid: rec.jid,
      counters: () => ({ notified: 0, denied: 3, emulated: 0, listenerFailures: 0, byCall: {} }),
    };
    const before = registry.find(rec.jid);
    const stop = keepCountersFile(registry, jail, join(dir, 'counters-named'), 1000, true);
    const path = countersFileOf(rec.jid, join(dir, 'counters-named'));
    expect(readJailCounters(path)).toEqual({ denied: 3, emulated: 0, byCall: {} });
    expect(registry.find(rec.jid)).toEqual(before);
    stop();
    expect(existsSync(path)).toBe(false);
  });
});
