// A command exec'd into a running jail under a stricter named sub-policy (a running process is moved
// to one by jail.moveToSubPolicy: move-to-sub-policy.mjs).
//
//   node sub-policy.mjs JAIL_ROOT
//
// The jail is started with a sub-policy "no-mkdir" (mkdir and mkdirat: EROFS). A command exec'd into
// the jail under it gets that filter stacked on the jail's before it runs, and so does everything it
// starts; the kernel applies the strictest verdict of the two filters. The jail's other processes are
// not affected. The kernel has no way back: a seccomp filter cannot be removed or replaced, only more
// filters stacked (and only by the process itself), so a process can be moved to a stricter policy and
// never to a looser one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPrisonFlags, deny, execInJail, JailRoot, openRegistry, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';

const root = process.argv[2];
if (!root) {
  console.error('usage: node sub-policy.mjs JAIL_ROOT');
  process.exit(2);
}
const registryDir = mkdtempSync(join(tmpdir(), 'sysjail-example-'));
const registry = openRegistry(registryDir);
const jailRoot = new JailRoot(root);
jailRoot.makeDirectory('/tmp', 0o1777, { keepExisting: true });
const readOnly = (name) => ({ syscall: name, decision: deny('EROFS'), reason: 'this sub-policy makes no directories' });
const jail = await startJail({
  prison: { path: root, hostname: 'sub.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
  // The jail's own command: it makes a directory once it is told to, after the sub-policy was used.
  command: ['/bin/sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.05; done; mkdir /tmp/by-command; echo "command $?" > /tmp/command'],
  emulation: linux,
  registry,
  subPolicies: { 'no-mkdir': { rules: [readOnly('mkdir'), readOnly('mkdirat')] } },
});
const record = registry.find(jail.jid);

/** Runs a shell command line in the jail (optionally under a sub-policy) and waits for it. */
async function run(line, subPolicy) {
  const exec = await execInJail({
    record,
    registryDir,
    command: ['/bin/sh', '-c', line],
    ...(subPolicy ? { subPolicy } : {}),
    terminal: 'never',
  });
  return (await exec.exited).code;
}

await run('mkdir /tmp/plain; echo "plain $?" > /tmp/plain.out');
// The moved process and a child it starts (a new shell) are both under the sub-policy.
await run(
  'mkdir /tmp/moved 2>/dev/null; echo "moved $?" > /tmp/moved.out; ' +
    'sh -c "mkdir /tmp/child 2>/dev/null; echo child \\$?" >> /tmp/moved.out',
  'no-mkdir',
);
jailRoot.writeFile('/tmp/go', new Uint8Array(), 0o644);
const exit = await jail.exited;
const text = (path) => jailRoot.readFile(path, 4096)?.toString('utf8').trim();
console.log(
  JSON.stringify({
    exit: exit.code,
    plain: text('/tmp/plain.out'),
    moved: text('/tmp/moved.out')?.split('\n'),
    command: text('/tmp/command'),
    made: ['plain', 'moved', 'child', 'by-command'].filter((d) => jailRoot.exists(`/tmp/${d}`)),
  }),
);
jailRoot.close();
rmSync(registryDir, { recursive: true, force: true });
