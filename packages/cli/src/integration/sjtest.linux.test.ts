/**
 * sjtest's 177 cases (escape attempts and functional checks) against our `jail` command, through its
 * sysjail preset: no promise may be broken and no case may fail to run.
 */
import { cases, findPreset, runCases } from '@sysjail/sjtest';
import { describe, expect, it } from 'vitest';
import { jailBin } from './jail-fixture.js';

describe('sjtest --preset sysjail', () => {
  it('breaks no promise of the jail', async () => {
    const adapter = findPreset('sysjail', { jailBin: `${process.execPath} ${jailBin}` });
    const report = await runCases({ adapter, cases, timeoutMs: 60_000 });
    const bad = report.results
      .filter((r) => r.status === 'broken' || r.status === 'error')
      .map((r) => `${r.case.id}: ${r.status}`);
    expect(bad).toEqual([]);
    expect(report.results.length).toBe(cases.length);
  }, 600_000);
});
