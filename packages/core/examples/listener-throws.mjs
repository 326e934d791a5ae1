// A listener that throws: the call it was asked about is denied (EPERM), the failure is counted and
// audited, and the jail goes on.
//
//   node listener-throws.mjs JAIL_ROOT
import { defaultPrisonFlags, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';

const root = process.argv[2];
if (!root) {
  console.error('usage: node listener-throws.mjs JAIL_ROOT');
  process.exit(2);
}
const jail = await startJail({
  prison: { path: root, hostname: 'throws.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
  // mkdir fails; the shell goes on and reports what it saw.
  command: ['/bin/sh', '-c', 'mkdir /tmp/never 2>/dev/null; echo "mkdir status $?"; echo "jail goes on"'],
  emulation: linux,
  listeners: [
    {
      syscall: 'mkdir',
      handle() {
        throw new Error('this listener is broken');
      },
    },
  ],
});
const audits = [];
jail.on('audit', (record) => audits.push(record));
const exit = await jail.exited;
const { listenerFailures, byCall } = jail.counters();
console.log(JSON.stringify({ exit: exit.code, listenerFailures, byCall, audits }));
