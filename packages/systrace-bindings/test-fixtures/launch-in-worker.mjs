// Test fixture: a worker thread that launches `sleep` (parent-death signal SIGKILL) through the native
// launcher, posts its pid and waits to be terminated.
import { parentPort } from 'node:worker_threads';
import { launch } from '../dist/index.js';

const child = launch({
  namespaces: 0,
  deathSignal: 9,
  setup: [],
  command: '/bin/sleep',
  args: ['100'],
  stdio: [0, 1, 2],
});
parentPort.postMessage(child.pid);
setInterval(() => {}, 1000);
