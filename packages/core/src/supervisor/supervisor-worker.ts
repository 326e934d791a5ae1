// A supervisor worker thread: the supervisor's work (supervisor-core.ts) in a synchronous loop (poll →
// receive → decide → reply). Messages from the main thread arrive through receiveMessageOnPort after a
// byte on the wake pipe. Serves the jails whose supervision is 'worker' (services, the shared supervisor).
import { writeFileSync } from 'node:fs';
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { loadNative, poll } from '@sysjail/systrace-bindings';
import type { ToSupervisor } from './protocol.js';
import { afterPoll, configureCore, plan, take } from './supervisor-core.js';

const { port, wakeFd, stopFlag, role, peer, wakeFirst } = workerData as {
  port: MessagePort;
  wakeFd: number;
  stopFlag: Int32Array;
  role: 'first' | 'second';
  /** first: init messages from the second; second: to the first. */
  peer: MessagePort;
  /** The first thread's wake pipe (the second's only). */
  wakeFirst: number;
};

configureCore({
  role,
  post: (msg) => port.postMessage(msg),
  wakeFd,
  peer,
  ...(role === 'second' ? { wakeFirst } : {}),
  handOver: true,
});

async function main(): Promise<void> {
  try {
    // Named for ps -T and top -H (and the tests that look for the second thread).
    writeFileSync('/proc/thread-self/comm', role === 'first' ? 'sysjail-serve1' : 'sysjail-serve2');
  } catch {}
  loadNative(); // koffi loaded before the thread says it is ready (it may be terminated then)
  port.postMessage({ type: 'ready' });
  for (;;) {
    if (Atomics.load(stopFlag, 0) !== 0) return; // the process is exiting
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      if (!(await take(m.message as ToSupervisor))) return;
    }
    const p = plan();
    afterPoll(p, poll(p.fds, p.timeoutMs));
  }
}

void main();
