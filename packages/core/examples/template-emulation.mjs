// Starts a jail under an emulation made by `pnpm new-emulation NAME` (templates/emulation/): the
// emulation is loaded from its package as the cli finds it, through the declaration in its package.json
// ("sysjail": { "emulation": { "module", "export" } }), and passed to startJail like emul-linux's.
// Run as root, after building the emulation package, with a jail root made by mkjail(1).
//
//   node template-emulation.mjs EMULATION_PACKAGE_DIR JAIL_ROOT command ...
//
// Prints the emulation's name, the command's own output, then how it ended and what the supervisor
// counted (the emulation's handlers answer its notified calls); exits with the command's status.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultPrisonFlags, startJail } from '@sysjail/core';

const [packageDir, root, ...command] = process.argv.slice(2);
if (!packageDir || !root || command.length === 0) {
  console.error('usage: node template-emulation.mjs EMULATION_PACKAGE_DIR JAIL_ROOT command ...');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const declared = manifest.sysjail?.emulation;
if (!declared) {
  console.error(`${manifest.name}: no "sysjail": { "emulation": ... } in its package.json`);
  process.exit(1);
}
const module = await import(pathToFileURL(resolve(packageDir, declared.module)).href);
const emulation = module[declared.export];
console.log(`emulation ${emulation.name}: ${emulation.description}`);

const jail = await startJail({
  prison: { path: root, hostname: 'template.jail', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
  command,
  emulation,
});
const exit = await jail.exited;
const { denied, emulated } = jail.counters();
console.log(`jail ${jail.jid}: ${exit.reason}, code ${exit.code}, signal ${exit.signal}`);
console.log(`jail ${jail.jid}: ${denied} calls denied, ${emulated} emulated`);
process.exit(exit.code ?? 128);
