#!/usr/bin/env node
// pnpm new-emulation NAME [DIRECTORY]: a new emulation package, @sysjail/emul-NAME, from
// templates/emulation/ (every `__NAME__` in file names and contents becomes NAME), in
// packages/emul-NAME unless DIRECTORY is given. It builds and passes its tests as made; the cli finds it
// through its package.json once it is installed beside the cli (pnpm install). See
// docs/writing-an-emulation.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const template = join(repo, 'templates', 'emulation');
const usage = 'usage: pnpm new-emulation NAME [DIRECTORY]';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(usage);
  process.exit(0);
}
const [name, directory, ...extra] = args;
if (!name || extra.length > 0) {
  console.error(usage);
  process.exit(2);
}
// A JavaScript identifier and a package name at once: a lower-case letter, then letters and digits.
const reserved = new Set(['linux', 'freebsd', 'template', 'new', 'delete', 'default', 'import', 'export']);
if (!/^[a-z][a-z0-9]{1,30}$/.test(name) || reserved.has(name)) {
  console.error(`new-emulation: ${name}: a name is a lower-case letter then letters or digits (2-31), not ${[...reserved].join(', ')}`);
  console.error(usage);
  process.exit(2);
}
const target = directory ?? join(repo, 'packages', `emul-${name}`);
if (existsSync(target) && readdirSync(target).length > 0) {
  console.error(`new-emulation: ${target} exists and is not empty`);
  process.exit(1);
}

/** Every file of the template, relative to it. */
function files(dir, prefix = '') {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path, join(prefix, entry)) : [join(prefix, entry)];
  });
}

const made = [];
for (const file of files(template)) {
  const out = join(target, file.replaceAll('__NAME__', name));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, readFileSync(join(template, file), 'utf8').replaceAll('__NAME__', name));
  made.push(relative(repo, out));
}
// Formatted as the workspace formats (line breaks depend on the name's length); outside it, as made.
const biome = join(repo, 'node_modules', '.bin', 'biome');
if (!relative(repo, target).startsWith('..') && existsSync(biome)) {
  const r = spawnSync(biome, ['check', '--write', target], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) console.error(`new-emulation: biome check --write ${target}:\n${r.stdout}${r.stderr}`);
}
console.log(`new-emulation: made @sysjail/emul-${name} in ${relative(process.cwd(), target) || '.'} (${made.length} files)`);
console.log(`next: pnpm install && pnpm -C ${relative(process.cwd(), target)} build && pnpm -C ${relative(process.cwd(), target)} test`);
