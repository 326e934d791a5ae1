// watchReadable: libuv poll handles of Node's own loop, from the main thread (vitest's forks pool).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { watchReadable } from './fd-watch.js';
import { close, F_GETFL, fcntl, O_NONBLOCK, read, write } from './file-descriptors.js';
import { pipe2 } from './pipe.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('watchReadable', () => {
  it('calls in the loop while the descriptor is readable (level-triggered), not after stop; leaves it blocking', async () => {
    const [r, w] = pipe2();
    let calls = 0;
    const watch = watchReadable(r, () => {
      calls++;
    });
    try {
      // uv_poll_init makes a descriptor non-blocking: the watch gives it its flags back.
      expect(fcntl(r, F_GETFL) & O_NONBLOCK).toBe(0);
      await tick();
      expect(calls).toBe(0);
      write(w, Buffer.from('x'));
      await tick();
      const whileReady = calls;
      expect(whileReady).toBeGreaterThan(1); // called again on each turn while the byte is there
      read(r, Buffer.alloc(1));
      await tick();
      const drained = calls;
      await tick();
      expect(calls).toBe(drained);
      watch.stop();
      write(w, Buffer.from('y'));
      await tick();
      expect(calls).toBe(drained);
    } finally {
      watch.stop();
      close(r);
      close(w);
    }
  });

  it('a watch keeps the process alive, one made with ref: false does not', () => {
    const script = (options: string) => `
      const { watchReadable, pipe2 } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const [r] = pipe2();
      watchReadable(r, () => {}, ${options});
      setTimeout(() => {}, 100);`;
    const run = (options: string) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script(options)], { timeout: 3000 });
    const unrefd = run('{ ref: false }');
    expect(unrefd.status).toBe(0);
    const refd = run('{}');
    expect(refd.signal).toBe('SIGTERM'); // still running when the timeout killed it
  });
});
