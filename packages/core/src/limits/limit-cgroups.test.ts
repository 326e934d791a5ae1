import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ControllerLayout } from './cgroup-controllers.js';
import { makeLimitCgroups, writeLimits } from './limit-cgroups.js';
import { parseRctlRule } from './rctl-rule.js';

const base = mkdtempSync(join(tmpdir(), 'sysjail-limits-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('limit cgroups on a pure cgroup v2 tree (a fake one: files only)', () => {
  const root = join(base, 'v2');
  const jail = join(root, 'sysjail', 'jail-1-1');
  mkdirSync(jail, { recursive: true });
  for (const d of [root, join(root, 'sysjail')]) writeFileSync(join(d, 'cgroup.subtree_control'), '');
  const v2 = { kind: 'v2', root } as const;
  const layout: ControllerLayout = { memory: v2, pids: v2, cpu: v2, io: v2 };

  it('enables the controllers down to the jail and writes the v2 files', () => {
    const rules = ['memoryuse:deny=64m', 'maxproc:deny=20', 'pcpu:deny=50', 'readbps:throttle=1m'].map((r) =>
      parseRctlRule(`jail:a:${r}`),
    );
    const cgroups = makeLimitCgroups(layout, ['memory', 'pids', 'cpu', 'io'], jail);
    expect(cgroups).toEqual({ memory: jail, pids: jail, cpu: jail, io: jail });
    // a fake file takes only the last write: the last controller enabled is what it holds
    expect(readFileSync(join(root, 'sysjail', 'cgroup.subtree_control'), 'utf8')).toBe('+io\n');
    writeLimits(layout, cgroups, rules, ['8:0']);
    expect(readFileSync(join(jail, 'memory.max'), 'utf8')).toBe(`${64 * 2 ** 20}\n`);
    expect(readFileSync(join(jail, 'pids.max'), 'utf8')).toBe('20\n');
    expect(readFileSync(join(jail, 'cpu.max'), 'utf8')).toBe('50000 100000\n');
    expect(readFileSync(join(jail, 'io.max'), 'utf8')).toBe(
      '8:0 rbps=1048576 wbps=max riops=max wiops=max\n',
    );
    writeLimits(layout, cgroups, [], ['8:0']);
    expect(readFileSync(join(jail, 'memory.max'), 'utf8')).toBe('max\n');
    expect(readFileSync(join(jail, 'cpu.max'), 'utf8')).toBe('max 100000\n');
  });
});

describe('limit cgroups on v1 hierarchies (a fake one: directories and files)', () => {
  it('makes <hierarchy>/<own>/sysjail/<jail> and writes the v1 files', () => {
    const mount = join(base, 'v1');
    const layout: ControllerLayout = {
      memory: { kind: 'v1', mount, own: '/box' },
      pids: { kind: 'v1', mount, own: '/' },
      cpu: { kind: 'none' },
      io: { kind: 'none' },
    };
    const cgroups = makeLimitCgroups(layout, ['memory', 'pids'], '/sys/fs/cgroup/unified/sysjail/jail-9-3');
    expect(cgroups).toEqual({
      memory: join(mount, 'box/sysjail/jail-9-3'),
      pids: join(mount, 'sysjail/jail-9-3'),
    });
    writeLimits(layout, cgroups, [parseRctlRule('jail:a:memoryuse:deny=1m')]);
    expect(readFileSync(join(mount, 'box/sysjail/jail-9-3/memory.limit_in_bytes'), 'utf8')).toBe('1048576\n');
    expect(readFileSync(join(mount, 'sysjail/jail-9-3/pids.max'), 'utf8')).toBe('max\n');
    expect(() => makeLimitCgroups(layout, ['cpu'], '/x/jail-9-3')).toThrow(/cpu controller is not available/);
  });
});
