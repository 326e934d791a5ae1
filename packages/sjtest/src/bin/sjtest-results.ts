#!/usr/bin/env node
/**
 * Regenerates the results documents: runs every case through none, chroot, bwrap, bwrap-strict,
 * firejail (when installed) and sysjail (when packages/cli is built or `jail` is in PATH), and writes
 * OUTPUT.md and, beside it, the same as one HTML page (OUTPUT.html).
 * usage: sjtest-results OUTPUT.md [preset...]   (SJTEST_RESULTS_SYSJAIL=1 adds sysjail to the default set)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cases } from '../cases.js';
import { findPreset } from '../preset.js';
import { formatHtml } from '../report-html.js';
import { toJson } from '../report-json.js';
import { formatResultsMarkdown } from '../results-markdown.js';
import { type RunReport, runCases } from '../runner.js';

const has = (cmd: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const cliJail = fileURLToPath(new URL('../../../cli/dist/bin/jail.js', import.meta.url));
const jailBin = existsSync(cliJail) ? `${process.execPath} ${cliJail}` : has('jail') ? 'jail' : undefined;

const [output = 'sjtest-results.md', ...wanted] = process.argv.slice(2);
const notes: string[] = [];
// sysjail joins the default set once the integrator asks for it (SJTEST_RESULTS_SYSJAIL=1) or names it
const defaults = ['none', 'chroot', 'bwrap', 'bwrap-strict', 'firejail'];
if (process.env.SJTEST_RESULTS_SYSJAIL === '1') defaults.push('sysjail');
const names = wanted.length ? wanted : defaults;
const reports: RunReport[] = [];
for (const name of names) {
  if ((name === 'bwrap' || name === 'bwrap-strict') && !has('bwrap')) {
    notes.push(`${name}: bwrap is not installed.`);
    continue;
  }
  if (name === 'firejail' && !has('firejail')) {
    notes.push('firejail: not installed (apt-get install firejail).');
    continue;
  }
  if (name === 'sysjail' && !jailBin) {
    notes.push('sysjail: packages/cli is not built and no `jail` in PATH; rerun after `pnpm build`.');
    continue;
  }
  process.stderr.write(`sjtest-results: ${name}\n`);
  const report = await runCases({ adapter: findPreset(name, { jailBin }), cases, timeoutMs: 120_000 });
  // the document shows the command without this machine's paths
  const shown = jailBin === `${process.execPath} ${cliJail}` ? 'node packages/cli/dist/bin/jail.js' : jailBin;
  reports.push(
    name === 'sysjail' && jailBin && shown
      ? {
          ...report,
          adapter: { ...report.adapter, template: report.adapter.template.replace(jailBin, shown) },
        }
      : report,
  );
}
if (names.includes('firejail') && has('firejail')) {
  notes.push(
    'firejail: `--chroot` is disabled in the default /etc/firejail/firejail.config, so the firejail preset runs without it and the victim sees host paths; run as root with `--noprofile`, firejail keeps capabilities and installs no seccomp filter.',
  );
}
if (names.includes('sysjail') && jailBin)
  notes.push(
    'sysjail: `jail` of packages/cli run as root with the default policy of @sysjail/emul-linux (no `--allow-*`); the jail has the IPv4 address only, so IPv6 sockets are refused (EAFNOSUPPORT).',
  );
if (names.some((n) => n !== 'sysjail' && n !== 'none' && n !== 'chroot'))
  notes.push(
    "proc.init-*: sysjail's PID 1 (sysjail-init) holds a channel to the supervisor outside, so it must not be traced; another tool's PID 1 may hold nothing from outside, and then a broken row there shows exposure, not an escape.",
  );
if (names.includes('bwrap'))
  notes.push(
    'bwrap run as root without `--unshare-user` keeps every capability of root: most "closed" rows are broken; `bwrap-strict` adds a user namespace and `--cap-drop ALL`.',
  );
writeFileSync(output, formatResultsMarkdown(reports, notes));
const html = `${output.replace(/\.md$/, '')}.html`;
writeFileSync(
  html,
  formatHtml(
    reports.map((r) => toJson(r)),
    notes,
  ),
);
process.stderr.write(`sjtest-results: wrote ${output} and ${html}\n`);
