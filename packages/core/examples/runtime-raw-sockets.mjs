// A running jail whose raw-socket permission is switched on and off while a process inside tries.
//
//   node runtime-raw-sockets.mjs JAIL_ROOT [JAIL_ADDRESS]
//
// The jail is started with allowRawSockets changeable: its filter sends the socket(2) calls that flag
// decides (SOCK_RAW, SOCK_PACKET, inet protocols other than TCP and UDP) to the supervisor, which decides them by the jail's current flags
// (on the kernel's copy of the arguments: nothing in memory), and the jail keeps CAP_NET_RAW. Inside,
// busybox ping tries to open its ICMP socket at each of three steps; between them, jail.change()
// switches the flag. The steps are coordinated through files in the jail's /tmp, written and read by
// the host inside the jail root (JailRoot: never through a link the jail planted).
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPrisonFlags, JailRoot, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';

const [root, address = '127.0.13.1'] = process.argv.slice(2);
if (!root) {
  console.error('usage: node runtime-raw-sockets.mjs JAIL_ROOT [JAIL_ADDRESS]');
  process.exit(2);
}
const steps = 3;
const script = [
  `for i in $(seq 1 ${steps}); do`,
  '  while [ ! -e /tmp/try$i ]; do sleep 0.05; done',
  `  ping -c1 -W1 ${address} > /tmp/out$i.tmp 2>&1; mv /tmp/out$i.tmp /tmp/out$i`,
  'done',
].join('\n');
const jailRoot = new JailRoot(root);
jailRoot.makeDirectory('/tmp', 0o1777, { keepExisting: true });
const jail = await startJail({
  prison: { path: root, hostname: 'raw.example', ipv4: [address], ipv6: [], flags: defaultPrisonFlags },
  command: ['/bin/sh', '-c', script],
  emulation: linux,
  changeableFlags: ['allowRawSockets'],
});

/** Lets the jail try once; 'refused' or 'created' (ping got its socket and sent). */
async function attempt(i) {
  jailRoot.writeFile(`/tmp/try${i}`, new Uint8Array(), 0o644);
  for (;;) {
    const out = jailRoot.readFile(`/tmp/out${i}`, 64 * 1024)?.toString('utf8');
    if (out !== undefined) {
      if (/permission denied|not permitted/i.test(out)) return 'refused';
      if (/packets transmitted/.test(out)) return 'created';
      return `unexpected: ${out}`;
    }
    await sleep(25);
  }
}

const results = [];
results.push({ allowRawSockets: jail.prison.flags.allowRawSockets, socket: await attempt(1) });
await jail.change({ flags: { allowRawSockets: true } });
results.push({ allowRawSockets: jail.prison.flags.allowRawSockets, socket: await attempt(2) });
await jail.change({ flags: { allowRawSockets: false } });
results.push({ allowRawSockets: jail.prison.flags.allowRawSockets, socket: await attempt(3) });
const exit = await jail.exited;
jailRoot.close();
console.log(JSON.stringify({ exit: exit.code, results, byCall: jail.counters().byCall }));
