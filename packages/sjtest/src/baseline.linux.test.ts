// --baseline on a real run: the same cases with no jail; each result says how it went there, and the
// table tells the promises the jail keeps from those the host keeps for everyone.
import { describe, expect, it } from 'vitest';
import { mainOutput } from './main-output.js';

const sjtest = (argv: string[]) => mainOutput(argv);

describe('sjtest --baseline', () => {
  it('runs the cases with no jail too and says which promises the jail itself keeps', async () => {
    // fs.root: chroot keeps it, no jail breaks it. fs.sysrq-trigger: kept with no jail (read-only here).
    const only = ['--preset', 'chroot', '--only', 'fs.root,fs.sysrq-trigger', '--baseline'];
    const json = await sjtest([...only, '--json']);
    expect(json.err).toBe('');
    const results = (JSON.parse(json.out) as { results: { id: string; status: string; baseline: string }[] })
      .results;
    const byId = Object.fromEntries(results.map((r) => [r.id, [r.status, r.baseline]]));
    expect(byId['fs.root']).toEqual(['kept', 'broken']);
    expect(byId['fs.sysrq-trigger']?.[1]).toBe('kept');
    const table = await sjtest(only);
    expect(table.out).toContain('baseline (no jail): 1 promise kept with no jail at all\n');
    expect(table.out).toMatch(
      /the jail itself keeps 1 of its 2 kept promises; the host keeps the other 1 for everyone:\n {2}host {2}fs\.sysrq-trigger\n$/,
    );
  }, 120_000);
});
