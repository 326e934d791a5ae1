// Starts a jail from code and waits for its command: a prison (root, hostname, addresses, flags), a
// command, the Linux emulation. Run as root, with a jail root made by mkjail(1) (it needs /proc and a
// directory above it closed to other users).
//
//   node start-a-jail.mjs JAIL_ROOT [command ...]
//
// Prints the jail's JID, the command's own output (relayed through the jail's pipes), then how it ended
// and what the supervisor counted; exits with the command's status.
import { defaultPrisonFlags, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';

const [root, ...args] = process.argv.slice(2);
if (!root) {
  console.error('usage: node start-a-jail.mjs JAIL_ROOT [command ...]');
  process.exit(2);
}
const command = args.length > 0 ? args : ['/bin/sh', '-c', 'echo "hello from $(hostname), pid $$"'];

const jail = await startJail({
  prison: {
    path: root,
    hostname: 'example.jail',
    ipv4: [],
    ipv6: [],
    flags: defaultPrisonFlags,
  },
  command,
  emulation: linux,
});
console.log(`jail ${jail.jid}: init is host pid ${jail.initPid}`);
const exit = await jail.exited;
const { denied, emulated } = jail.counters();
console.log(`jail ${jail.jid}: ${exit.reason}, code ${exit.code}, signal ${exit.signal}`);
console.log(`jail ${jail.jid}: ${denied} calls denied, ${emulated} emulated`);
process.exit(exit.code ?? 128);
