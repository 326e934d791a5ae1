import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { close, fcntl, read, write } from '../file-descriptors.js';
import { pipe2, pipeBytes, socketpair } from '../pipe.js';
import { POLLIN, POLLOUT, poll } from '../poll.js';
import { AF_UNIX } from '../sockaddr.js';
import { SOCK_CLOEXEC, SOCK_STREAM } from '../socket.js';
import { F_SETPIPE_SZ } from '../splice.js';
import { startRelay } from './relay.js';

const base = mkdtempSync(join(tmpdir(), 'sysjail-relay-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Writes everything, waiting (in the event loop, where the relay runs) while the pipe is full. */
async function writeAll(fd: number, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; ) {
    while (poll([{ fd, events: POLLOUT }], 0)[0] === 0) await new Promise((r) => setTimeout(r, 1));
    off += write(fd, data.subarray(off, off + 4096));
  }
}

/** Reads once `fd` is readable, letting the event loop (where the relay runs) turn meanwhile. */
async function readWhenReady(fd: number, buf: Buffer): Promise<number> {
  while (poll([{ fd, events: POLLIN }], 0)[0] === 0) await new Promise((r) => setTimeout(r, 1));
  return read(fd, buf);
}

describe('startRelay', () => {
  it("a caller's socket that nobody reads holds up no other session (send, MSG_DONTWAIT; never a splice that waits)", async () => {
    const [sock, peer] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC); // blocking, as a caller's may be
    const [r, w] = pipe2();
    fcntl(r, F_SETPIPE_SZ, 1 << 20);
    const relay = startRelay({ inputs: [], outputs: [{ from: r, to: sock }] });
    close(sock); // the relay has its own duplicate
    // Its reader starts 3 s late: a relay that blocked on the socket would turn no session until then.
    const late = spawn('/bin/sh', ['-c', 'sleep 3; exec cat >/dev/null'], {
      stdio: [peer, 'ignore', 'ignore'],
    });
    close(peer);
    await writeAll(w, Buffer.alloc(600 << 10, 'f')); // more than the socket holds; the pipe keeps the rest
    const [a, aw] = pipe2();
    const [b, bw] = pipe2();
    const other = startRelay({ inputs: [], outputs: [{ from: a, to: bw }] });
    write(aw, Buffer.from('x'));
    const buf = Buffer.alloc(4);
    expect(buf.subarray(0, await readWhenReady(b, buf)).toString()).toBe('x');
    // ... while the first still waits for its reader
    expect(pipeBytes(w)).toBeGreaterThan(0);
    close(aw);
    await other.finish(true);
    close(w);
    await relay.finish(true);
    await new Promise((resolve) => late.on('close', resolve));
    for (const fd of [b, bw]) close(fd);
  });

  it("a caller's TCP socket as an input that another reader drains holds up no other session (recv, MSG_DONTWAIT)", () => {
    // In a process of its own: a relay that waited in a read would stop that process's loop (and the
    // test's, were it here). cat waits in read(2) on the same socket, so it takes most bytes first; the
    // relay, woken by the same byte, must then find nothing and go on. splice(2) from a TCP socket waits
    // on its blocking description whatever its flags: the next byte would never be sent.
    const script = `
      const b = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      const { spawn } = await import('node:child_process');
      const l = b.socket(b.AF_INET, b.SOCK_STREAM | b.SOCK_CLOEXEC);
      b.bind(l, { family: b.AF_INET, address: '127.0.0.1', port: 0 });
      b.listen(l);
      const c = b.socket(b.AF_INET, b.SOCK_STREAM | b.SOCK_CLOEXEC);
      b.connect(c, { family: b.AF_INET, address: '127.0.0.1', port: b.getsockname(l).port });
      const s = b.accept4(l, b.SOCK_CLOEXEC); // blocking, as a caller's may be
      const cat = spawn('/bin/cat', [], { stdio: [s, 'ignore', 'ignore'] });
      const [jailIn, ours] = b.pipe2();
      b.startRelay({ inputs: [{ from: s, to: ours }], outputs: [] });
      const [a, aw] = b.pipe2();
      const [o, ow] = b.pipe2();
      b.startRelay({ inputs: [], outputs: [{ from: a, to: ow }] });
      const tick = (ms) => new Promise((r) => setTimeout(r, ms));
      let relayed = 0;
      for (let i = 0; i < 50; i++) {
        b.write(c, Buffer.from('x'));
        await tick(10);
        b.write(aw, Buffer.from('y'));
        while (b.poll([{ fd: o, events: b.POLLIN }], 0)[0] === 0) await tick(1);
        b.read(o, Buffer.alloc(1));
        while (b.poll([{ fd: jailIn, events: b.POLLIN }], 0)[0] !== 0) relayed += b.read(jailIn, Buffer.alloc(64));
      }
      cat.kill('SIGKILL');
      process.stdout.write(JSON.stringify({ turned: true, relayed }));
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(JSON.parse(r.stdout)).toMatchObject({ turned: true });
  });

  it('moves an output to a file to its end (splice), then closes its source', async () => {
    const [r, w] = pipe2();
    const file = join(base, 'out');
    const out = openSync(file, 'w');
    const relay = startRelay({ inputs: [], outputs: [{ from: r, to: out }] });
    const data = Buffer.alloc(3 << 20, 'abc');
    await writeAll(w, data);
    close(w);
    await relay.finish(true);
    expect(readFileSync(file).equals(data)).toBe(true);
    expect(() => close(r)).toThrow(/EBADF/);
  });

  it('passes end of file on an input, and stops an input that is never read when finishing', async () => {
    const [hostIn, hostInW] = pipe2();
    const [jailIn, ours] = pipe2();
    const relay = startRelay({ inputs: [{ from: hostIn, to: ours }], outputs: [] });
    await writeAll(hostInW, Buffer.from('line\n'));
    close(hostInW);
    const buf = Buffer.alloc(16);
    // the relay writes the line, then closes its end at the caller's end of file
    expect(buf.subarray(0, await readWhenReady(jailIn, buf)).toString()).toBe('line\n');
    expect(await readWhenReady(jailIn, buf)).toBe(0);
    await relay.finish(false);
    close(jailIn);
    close(hostIn);

    const [quietIn, quietW] = pipe2();
    const [jailIn2, ours2] = pipe2();
    const quiet = startRelay({ inputs: [{ from: quietIn, to: ours2 }], outputs: [] });
    await quiet.finish(false); // the caller never writes: finishing does not wait for it
    expect(read(jailIn2, buf)).toBe(0);
    for (const fd of [quietIn, quietW, jailIn2]) close(fd);
  });

  it('copies (read/write) where splice cannot, and gives what is there when finishing early', async () => {
    const [r, w] = pipe2();
    const [hostOut, hostOutW] = pipe2();
    const relay = startRelay({ inputs: [], outputs: [{ from: r, to: hostOutW, copy: true }] });
    await writeAll(w, Buffer.from('before finish'));
    await new Promise((res) => setTimeout(res, 50));
    await relay.finish(false); // a writer is still there (w): no end of file, only what was written
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, read(hostOut, buf)).toString()).toBe('before finish');
    for (const fd of [w, hostOut, hostOutW]) close(fd);
  });

  it('finishing early still writes out all that is there when the destination reads slowly', async () => {
    for (const copy of [false, true]) {
      const [r, w] = pipe2();
      const [hostOut, hostOutW] = pipe2(0o2000000 | 0o4000); // the caller's pipe, non-blocking
      const relay = startRelay({
        inputs: [],
        outputs: [{ from: r, to: hostOutW, ...(copy ? { copy } : {}) }],
      });
      const data = Buffer.alloc(48 * 1024, copy ? 'c' : 's');
      // The source holds it all while the caller's pipe is full of what came first.
      await writeAll(w, Buffer.alloc(64 * 1024, 'x'));
      await new Promise((res) => setTimeout(res, 50));
      await writeAll(w, data);
      const finished = relay.finish(false); // a writer is still there (w): no end of file
      const got: Buffer[] = [];
      const chunk = Buffer.alloc(4096);
      for (let total = 0; total < 64 * 1024 + data.length; ) {
        const n = await readWhenReady(hostOut, chunk);
        got.push(Buffer.from(chunk.subarray(0, n)));
        total += n;
        await new Promise((res) => setTimeout(res, 1)); // a slow reader
      }
      await finished;
      expect(
        Buffer.concat(got)
          .subarray(64 * 1024)
          .equals(data),
      ).toBe(true);
      for (const fd of [w, hostOut, hostOutW]) close(fd);
    }
  });
});
