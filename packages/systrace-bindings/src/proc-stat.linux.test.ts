import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readProcStat, statFieldsOf } from './proc-stat.js';

describe('/proc/<pid>/stat', () => {
  it('fields after the last parenthesis: a command name may hold spaces and parentheses', () => {
    expect(statFieldsOf('42 (a) b (c)) S 7 42 42 0 -1')).toEqual(['S', '7', '42', '42', '0', '-1']);
    expect(statFieldsOf('no name')).toEqual([]);
  });

  it("this process's state, parent and start time; none for a process that is gone", () => {
    const own = readProcStat(process.pid);
    expect(own?.state).toMatch(/^[RS]$/);
    expect(own?.ppid).toBe(process.ppid);
    expect(own?.startTime).toBeGreaterThan(0);
    expect(readProcStat(process.pid)?.startTime).toBe(own?.startTime);
    const gone = spawnSync('/bin/true').pid as number; // reaped by spawnSync
    expect(readProcStat(gone)).toBeUndefined();
  });
});
