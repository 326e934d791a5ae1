// A listener that refuses mkdir under /etc in the jail, performs every other mkdir itself on its copy
// of the path, and counts the calls.
//
//   node listener-mkdir.mjs JAIL_ROOT [command ...]
//
// The jail's filter sends mkdir and mkdirat to the supervisor, which copies the path once and hands the
// copy to this process's handler. The handler never lets the kernel run the call (the kernel would read
// the path again, after the caller could have changed it): it answers with an errno, or makes the
// directory itself, in the jail root, and answers 0.
//
// Left out to keep it short: relative paths (from the caller's cwd or mkdirat's directory fd) are refused;
// the directory is made as host root with the mode asked (the caller's umask and uid are not applied);
// a directory of the jail renamed into /etc between the check of its parent and the mkdir is not seen.
import { posix } from 'node:path';
import { defaultPrisonFlags, deny, emulate, JailRoot, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';

const [root, ...args] = process.argv.slice(2);
if (!root) {
  console.error('usage: node listener-mkdir.mjs JAIL_ROOT [command ...]');
  process.exit(2);
}
const command = args.length > 0 ? args : ['/bin/sh', '-c', 'mkdir /etc/evil; mkdir /tmp/fine; mkdir -p /etc/a/b'];
const jailRoot = new JailRoot(root);
const counts = { calls: 0, refused: 0, made: 0, failed: 0 };
const underEtc = (p) => p === '/etc' || p.startsWith('/etc/');

const mkdirListener = {
  syscall: ['mkdir', 'mkdirat'],
  reason: 'mkdir under /etc is refused',
  handle(call) {
    counts.calls += 1;
    // mkdir(pathname, mode) and mkdirat(dfd, pathname, mode): the same names, by the kernel's prototypes.
    const path = call.argsByName.pathname.string;
    const mode = Number(call.argsByName.mode.value & 0o7777n);
    // Relative paths (from the caller's cwd or mkdirat's directory fd) are left out of this example.
    if (!path?.startsWith('/')) return deny('EPERM');
    const wanted = posix.normalize(path);
    if (wanted === '/') return deny('EEXIST');
    if (underEtc(wanted)) {
      counts.refused += 1;
      return deny('EACCES');
    }
    try {
      // The parent as resolved in the jail root (a link to /etc is seen for what it is).
      if (!jailRoot.mkdir(wanted, mode, (parent) => !underEtc(parent))) {
        counts.refused += 1;
        return deny('EACCES');
      }
      counts.made += 1;
      return emulate(0);
    } catch (e) {
      counts.failed += 1;
      return deny(e.errnoName ?? 'EIO');
    }
  },
};

const jail = await startJail({
  prison: { path: root, hostname: 'listener.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
  command,
  emulation: linux,
  listeners: [mkdirListener],
});
const exit = await jail.exited;
jailRoot.close();
console.log(JSON.stringify({ exit: exit.code, counts, byCall: jail.counters().byCall }));
