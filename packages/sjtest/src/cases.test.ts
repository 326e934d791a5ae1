import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cases } from './cases.js';
import { freebsdVictimSource, victimSourceDir } from './victim-build.js';

const probeTable = /\{"([a-z0-9-]+)",\s*[a-z_0-9]+\}/g;
const probeNames = (): Set<string> => {
  const names = new Set<string>();
  for (const f of readdirSync(victimSourceDir).filter((f) => f.endsWith('.c'))) {
    for (const m of readFileSync(join(victimSourceDir, f), 'utf8').matchAll(probeTable)) names.add(m[1]!);
  }
  return names;
};
const freebsdProbeNames = (): Set<string> =>
  new Set([...readFileSync(freebsdVictimSource, 'utf8').matchAll(probeTable)].map((m) => m[1]!));

describe('cases table', () => {
  it('has unique, well-formed ids', () => {
    const ids = cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
  });

  it('gives every case a promise, tags and an expectation', () => {
    for (const c of cases) {
      expect(c.promise.length, c.id).toBeGreaterThan(5);
      expect(c.promise, c.id).not.toContain('\n');
      expect(c.tags.length, c.id).toBeGreaterThan(0);
      const e = c.expect;
      expect(Boolean(e.errno?.length || e.killed || e.ok || e.value?.length || e.ended), c.id).toBe(true);
    }
  });

  it('names only probes the victims implement', () => {
    const names = probeNames();
    const freebsdNames = freebsdProbeNames();
    for (const c of cases.filter((c) => c.victim === 'v64' || c.victim === 'v32'))
      expect(names.has(c.probe), `${c.id}: ${c.probe}`).toBe(true);
    for (const c of cases.filter((c) => c.victim === 'fbsd'))
      expect(freebsdNames.has(c.probe), `${c.id}: ${c.probe}`).toBe(true);
  });

  it('runs the FreeBSD cases in the FreeBSD victim: the filesystem, process, hostname and network promises', () => {
    const freebsd = cases.filter((c) => c.victim === 'fbsd');
    for (const c of cases) expect(c.id.startsWith('freebsd.'), c.id).toBe(c.victim === 'fbsd');
    for (const c of freebsd) {
      expect(c.tags, c.id).toContain('freebsd');
      const linux = cases.find((l) => l.id === c.id.slice('freebsd.'.length));
      expect(linux?.promise, c.id).toBe(c.promise);
      expect(linux?.expect, c.id).toEqual(c.expect);
    }
    for (const area of ['fs', 'proc', 'hostname', 'net', 'escape', 'address', 'socket', 'race'])
      expect(
        freebsd.some((c) => c.tags.includes(area)),
        area,
      ).toBe(true);
    // FreeBSD's AF_INET6 is 28, not Linux's 10
    expect(cases.find((c) => c.id === 'freebsd.net.ipv6')?.arg).toBe('28,1,0');
  });

  it('tags i386 cases and runs them in the i386 victim', () => {
    for (const c of cases) expect(c.id.startsWith('i386.'), c.id).toBe(c.victim === 'v32');
    for (const c of cases.filter((c) => c.victim === 'v32')) expect(c.tags).toContain('i386');
  });

  it('covers every promised area, socketcall, ipc, x32 and functional checks', () => {
    const tags = new Set(cases.flatMap((c) => c.tags));
    for (const t of [
      'fs',
      'proc',
      'hostname',
      'net',
      'ipc',
      'closed',
      'rlimit',
      'reboot',
      'caps',
      'race',
      'x32',
      'socketcall',
      'ipc-multiplexer',
      'functional',
      'shell',
      'namespace',
    ])
      expect(tags.has(t), t).toBe(true);
    expect(cases.filter((c) => c.functional).length).toBeGreaterThan(10);
  });

  it('runs one caller case per confinement, solo in the 64-bit victim, as the README table says', () => {
    const caller = cases.filter((c) => c.caller);
    expect(caller.map((c) => c.caller)).toEqual(['no-new-privs', 'seccomp', 'landlock', 'bounding-set']);
    for (const c of caller) {
      expect([c.id, c.victim, c.solo, c.probe]).toEqual([
        `caller.${c.caller}`,
        'v64',
        true,
        `caller-${c.caller}`,
      ]);
      // the command unconfined never keeps it
      expect(c.expect.value, c.id).not.toContain('unconfined');
    }
    const readme = readFileSync(join(victimSourceDir, '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `(caller\.[a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(caller.map((c) => c.id));
  });

  it('never expects a broken promise to pass: closed calls do not accept success', () => {
    for (const c of cases.filter((c) => c.tags.includes('closed'))) expect(c.expect.ok, c.id).toBeFalsy();
  });
});
