/**
 * sjtest against sysjail's own jail(8) (packages/cli). Runs when packages/cli/dist/bin/jail.js exists;
 * when it does not, it fails if SJTEST_REQUIRE_SYSJAIL=1 and is skipped otherwise.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cases } from './cases.js';
import { findPreset } from './preset.js';
import { runCases } from './runner.js';
import { outcomeText } from './summary.js';

const jailJs = fileURLToPath(new URL('../../cli/dist/bin/jail.js', import.meta.url));
const present = existsSync(jailJs);
const required = process.env.SJTEST_REQUIRE_SYSJAIL === '1';

describe('preset sysjail', () => {
  it.runIf(!present && required)('needs packages/cli/dist/bin/jail.js (SJTEST_REQUIRE_SYSJAIL=1)', () => {
    expect.fail(`${jailJs} does not exist: build packages/cli first`);
  });

  it.runIf(present)(
    'keeps every promise and every functional check',
    async () => {
      const adapter = findPreset('sysjail', { jailBin: `${process.execPath} ${jailJs}` });
      const report = await runCases({ adapter, cases, timeoutMs: 120_000 });
      const bad = report.results
        .filter((r) => r.status === 'broken' || r.status === 'error')
        .map((r) => `${r.case.id}: ${r.status}: ${outcomeText(r)}`);
      expect(bad).toEqual([]);
    },
    600_000,
  );
});
