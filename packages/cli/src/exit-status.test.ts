import { describe, expect, it } from 'vitest';
import { exitStatusOfJail, undoFailureLines } from './exit-status.js';

describe('a jail end', () => {
  it('names each stage it could not undo, one line each, and keeps the command status', () => {
    const exit = {
      code: 3,
      signal: null,
      reason: 'exited' as const,
      undoFailures: [{ stage: 'cgroup', error: 'cgroup /sys/fs/cgroup/x still populated\nmore' }],
    };
    expect(undoFailureLines('jail', exit)).toEqual([
      'jail: cgroup not undone: cgroup /sys/fs/cgroup/x still populated\n',
    ]);
    expect(exitStatusOfJail(exit, {})).toBe(3);
    expect(undoFailureLines('jail', { code: 0, signal: null, reason: 'exited' })).toEqual([]);
  });
});
