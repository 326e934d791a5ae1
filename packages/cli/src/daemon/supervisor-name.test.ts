import { sysjailRunDir } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { runDirOf, supervisorBase } from './supervisor-name.js';

describe('supervisor names', () => {
  it("the client's run directory is core's, set or not", () => {
    for (const env of [{}, { SYSJAIL_RUN_DIR: '/tmp/x' }, { SYSJAIL_RUN_DIR: '' }]) {
      expect(runDirOf(env)).toBe(sysjailRunDir(env));
    }
  });

  it('two builds (two supervisor scripts) get two names; one build always the same', () => {
    const a = supervisorBase('/run/sysjail', '/a/dist/daemon/supervisor-main.js');
    const b = supervisorBase('/run/sysjail', '/b/dist/daemon/supervisor-main.js');
    expect(a).toMatch(/^\/run\/sysjail\/supervisor-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(supervisorBase('/run/sysjail', '/a/dist/daemon/supervisor-main.js')).toBe(a);
  });
});
