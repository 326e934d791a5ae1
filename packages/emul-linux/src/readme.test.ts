import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPrisonFlags } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { linuxJailPolicy } from './policy.js';
import { readmePolicySection } from './readme-policy.js';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

describe('README.md', () => {
  it('holds the policy tables the policy gives today', () => {
    expect(readme).toContain(readmePolicySection());
  });

  it('lists every rule of the default policy with its reason', () => {
    const policy = linuxJailPolicy({
      path: '/',
      hostname: 'j',
      ipv4: ['192.0.2.1'],
      ipv6: [],
      flags: defaultPrisonFlags,
    });
    for (const r of policy.rules) {
      expect(readme, r.syscall).toContain(`\`${r.syscall}\``);
      expect(readme, r.syscall).toContain(r.reason);
    }
  });
});
