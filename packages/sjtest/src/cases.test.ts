import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cases } from './cases.js';
import { victimSourceDir } from './victim-build.js';

const probeNames = (): Set<string> => {
  const names = new Set<string>();
  for (const f of readdirSync(victimSourceDir).filter((f) => f.endsWith('.c'))) {
    for (const m of readFileSync(join(victimSourceDir, f), 'utf8').matchAll(
      /\{"([a-z0-9-]+)",\s*[a-z_0-9]+\}/g,
    ))
      names.add(m[1]!);
  }
  return names;
};

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
    for (const c of cases.filter((c) => c.victim !== 'sh'))
      expect(names.has(c.probe), `${c.id}: ${c.probe}`).toBe(true);
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

  it('never expects a broken promise to pass: closed calls do not accept success', () => {
    for (const c of cases.filter((c) => c.tags.includes('closed'))) expect(c.expect.ok, c.id).toBeFalsy();
  });
});
