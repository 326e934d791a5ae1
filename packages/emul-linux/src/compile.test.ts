import type { Prison } from '@sysjail/core';
import { compileFilter, defaultPrisonFlags } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { linux } from './emulation.js';

const prison = (flags: Partial<Prison['flags']> = {}): Prison => ({
  path: '/jail',
  hostname: 'jail',
  ipv4: ['127.0.0.2'],
  ipv6: [],
  flags: { ...defaultPrisonFlags, ...flags },
});

describe('the default policy through core\u2019s filter compiler', () => {
  it('compiles for every prison flag set, with the four supervisor handlers', () => {
    const all = {
      allowIpc: true,
      allowAllDomains: true,
      allowRawSockets: true,
      allowChflags: true,
      allowRlimit: true,
    };
    for (const p of [prison(), prison(all), prison({ allowSetHostname: false })]) {
      const filter = compileFilter(linux, linux.policy(p));
      expect(filter.ops.length).toBeGreaterThan(100);
      const handlers = new Set(filter.notifyTable.map((n) => n.decision.handler));
      expect(handlers).toContain('listen');
      expect(handlers).toContain('reboot');
      expect(handlers).toContain('socketcall');
    }
  });
});
