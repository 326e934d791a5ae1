// A running jail's rules tightened: mkdir refused from now on, in every process of the jail.
//
//   node tighten-running-jail.mjs JAIL_ROOT
//
// The jail's command makes a directory at each of two steps. Between them, jail.change({ rules })
// stacks a filter compiled from the new rules on every process of the jail (its init too, so whatever
// is exec'd into the jail later inherits it): the command's second mkdir is refused, and so is the one
// of a command exec'd afterwards. Rules can only be tightened this way: a stacked filter cannot be
// removed. A call that may be allowed again later must be routed to the supervisor from the start (the
// flags of JailOptions.changeableFlags).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPrisonFlags, deny, execInJail, JailRoot, openRegistry, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';

const root = process.argv[2];
if (!root) {
  console.error('usage: node tighten-running-jail.mjs JAIL_ROOT');
  process.exit(2);
}
const registryDir = mkdtempSync(join(tmpdir(), 'sysjail-example-'));
const registry = openRegistry(registryDir);
const jailRoot = new JailRoot(root);
jailRoot.makeDirectory('/tmp', 0o1777, { keepExisting: true });
for (const f of ['tighten-step1', 'tighten-step2', 'tighten-done', 'tighten.out', 'later']) if (jailRoot.exists(`/tmp/${f}`)) jailRoot.unlink(`/tmp/${f}`);
const script = [
  'for i in 1 2; do',
  '  while [ ! -e /tmp/tighten-step$i ]; do sleep 0.05; done',
  '  mkdir /tmp/made$i 2>/dev/null; echo "$i $?" >> /tmp/tighten.out',
  'done',
  'while [ ! -e /tmp/tighten-done ]; do sleep 0.05; done',
].join('\n');
const jail = await startJail({
  prison: { path: root, hostname: 'tighten.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
  command: ['/bin/sh', '-c', script],
  emulation: linux,
  registry,
});
const text = (path) => jailRoot.readFile(path, 4096)?.toString('utf8').trim() ?? '';
async function attempt(i) {
  jailRoot.writeFile(`/tmp/tighten-step${i}`, new Uint8Array(), 0o644);
  while (text('/tmp/tighten.out').split('\n').filter(Boolean).length < i) await sleep(25);
}

await attempt(1);
const rule = (name) => ({ syscall: name, decision: deny('EROFS'), reason: 'no new directories from now on' });
await jail.change({ rules: [rule('mkdir'), rule('mkdirat')] });
const stacked = jail.stacked.at(-1).result;
const command = jail.hostPidOf(2); // the jail's command (pid 2 inside; the init, pid 1, runs no jailed code)
await attempt(2);
// A command exec'd into the jail after the change: the init's child inherits the filter.
const exec = await execInJail({
  record: registry.find(jail.jid),
  registryDir,
  command: ['/bin/sh', '-c', 'mkdir /tmp/made-later 2>/dev/null; echo "later $?" > /tmp/later'],
  terminal: 'never',
});
await exec.exited;
jailRoot.writeFile('/tmp/tighten-done', new Uint8Array(), 0o644);
const exit = await jail.exited;
console.log(
  JSON.stringify({
    exit: exit.code,
    out: text('/tmp/tighten.out').split('\n'),
    later: text('/tmp/later'),
    commandMoved: stacked.moved.includes(command),
    killed: stacked.killed,
  }),
);
jailRoot.close();
rmSync(registryDir, { recursive: true, force: true });
