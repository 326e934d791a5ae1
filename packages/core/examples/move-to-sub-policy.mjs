// A running process of a jail, and the child it started, moved to a stricter named sub-policy.
//
//   node move-to-sub-policy.mjs JAIL_ROOT
//
// The jail runs two workers side by side; one of them has started a child. Each makes a directory at
// step 1 (all succeed), then the first worker is moved to the sub-policy "no-mkdir" (mkdir and mkdirat:
// EROFS) while it runs: jail.moveToSubPolicy stacks that filter on it and on its child (the kernel lets
// only a task attach a filter to itself, so the supervisor makes each of them do it, through ptrace),
// and at step 2 they are refused while the other worker still makes its directory. The kernel has no
// way back: a filter cannot be removed or replaced, so a process can be moved to a stricter policy only.
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPrisonFlags, deny, JailRoot, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';

const root = process.argv[2];
if (!root) {
  console.error('usage: node move-to-sub-policy.mjs JAIL_ROOT');
  process.exit(2);
}
const jailRoot = new JailRoot(root);
jailRoot.makeDirectory('/tmp', 0o1777, { keepExisting: true });
for (const f of ['move-step1', 'move-step2', 'moved.pid', 'moved.out', 'moved-child.pid', 'moved-child.out', 'sibling.pid', 'sibling.out']) {
  if (jailRoot.exists(`/tmp/${f}`)) jailRoot.unlink(`/tmp/${f}`);
}
// worker NAME [child]: records its pid, maybe starts a child worker, then at each step makes a directory.
const worker = [
  'name=$1',
  'echo $$ > /tmp/$name.pid.tmp; mv /tmp/$name.pid.tmp /tmp/$name.pid',
  '[ "$2" = child ] && sh /tmp/worker.sh $name-child &',
  'for step in 1 2; do',
  '  while [ ! -e /tmp/move-step$step ]; do sleep 0.05; done',
  '  mkdir /tmp/$name-$step 2>/dev/null; echo "$step $?" >> /tmp/$name.out',
  'done',
  'wait',
].join('\n');
jailRoot.writeFile('/tmp/worker.sh', Buffer.from(`${worker}\n`), 0o755);
const readOnly = (name) => ({ syscall: name, decision: deny('EROFS'), reason: 'this sub-policy makes no directories' });
const jail = await startJail({
  prison: { path: root, hostname: 'move.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
  command: ['/bin/sh', '-c', 'sh /tmp/worker.sh moved child & sh /tmp/worker.sh sibling & wait'],
  emulation: linux,
  subPolicies: { 'no-mkdir': { rules: [readOnly('mkdir'), readOnly('mkdirat')] } },
});

const text = (path) => jailRoot.readFile(path, 4096)?.toString('utf8').trim();
async function until(check) {
  for (let i = 0; i < 400; i++) {
    const v = check();
    if (v) return v;
    await sleep(25);
  }
  throw new Error('timed out');
}
const names = ['moved', 'moved-child', 'sibling'];
const jailPids = await until(() => {
  const pids = names.map((n) => Number(text(`/tmp/${n}.pid`)));
  return pids.every((p) => p > 0) ? pids : undefined;
});
const step = async (n) => {
  jailRoot.writeFile(`/tmp/move-step${n}`, new Uint8Array(), 0o644);
  await until(() => names.every((name) => (text(`/tmp/${name}.out`) ?? '').split('\n').filter(Boolean).length >= n));
};
await step(1);
const [hostPid, childPid, siblingPid] = jailPids.map((p) => jail.hostPidOf(p));
const result = await jail.moveToSubPolicy(hostPid, 'no-mkdir');
await step(2);
const exit = await jail.exited;
console.log(
  JSON.stringify({
    exit: exit.code,
    // the moved worker and its child, each with the shell's `sleep` children of the moment
    moved: result.moved.includes(hostPid) && result.moved.includes(childPid) && !result.moved.includes(siblingPid),
    killed: result.killed,
    out: Object.fromEntries(names.map((n) => [n, text(`/tmp/${n}.out`).split('\n')])),
  }),
);
jailRoot.close();
