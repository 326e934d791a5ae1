#!/usr/bin/env node
// Writes the default policy as a markdown table into README.md between the policy-table markers
// (run after `tsc -b`: it reads dist/). --check exits 1 if README.md is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const { readmePolicySection } = await import(join(pkg, 'dist/readme-policy.js'));
const path = join(pkg, 'README.md');
const readme = readFileSync(path, 'utf8');
const begin = '<!-- policy-table:begin -->\n';
const end = '<!-- policy-table:end -->';
const i = readme.indexOf(begin);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md has no policy-table markers');
const updated = readme.slice(0, i + begin.length) + readmePolicySection() + readme.slice(j);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md policy table is out of date: node scripts/policy-table.mjs');
    process.exitCode = 1;
  }
} else {
  writeFileSync(path, updated);
  console.log('wrote README.md policy table');
}
