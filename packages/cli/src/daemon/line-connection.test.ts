import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectLines } from './line-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'sysjail-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A server at a fresh path that runs `serve` on its one connection. */
async function serverAt(serve: (c: Socket) => void): Promise<{ path: string; server: Server }> {
  const path = join(dir, `s${++n}`);
  const server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, server };
}

/** Connects, writes `later` at once (before the connection is up), collects lines until close. */
function session(path: string, limit: number, first: string, later: string[] = []) {
  const lines: string[] = [];
  return new Promise<string[]>((resolve) => {
    const conn = connectLines(path, limit, first, {
      line: (l) => lines.push(l),
      close: () => resolve(lines),
    });
    for (const l of later) conn.write(l);
  });
}

const ways = [
  ["node's pipe handle", {}],
  ['node:net (NODE_PENDING_DEPRECATION=1)', { NODE_PENDING_DEPRECATION: '1' }],
] as const;

describe.each(ways)('connectLines through %s', (_, env) => {
  const withEnv = async <T>(f: () => Promise<T>): Promise<T> => {
    const saved = process.env.NODE_PENDING_DEPRECATION;
    Object.assign(process.env, env);
    try {
      return await f();
    } finally {
      if (saved === undefined) delete process.env.NODE_PENDING_DEPRECATION;
      else process.env.NODE_PENDING_DEPRECATION = saved;
    }
  };

  it('sends the first text, then what was written before the connection was up, in order', async () => {
    let got = '';
    const { path, server } = await serverAt((c) => {
      c.setEncoding('utf8');
      c.on('data', (d: string) => {
        got += d;
        if (got.endsWith('c\n')) c.end('done\n');
      });
    });
    const lines = await withEnv(() => session(path, 1024, 'a\n', ['b\n', 'c\n']));
    server.close();
    expect(got).toBe('a\nb\nc\n');
    expect(lines).toEqual(['done']);
  });

  it('splits lines on bytes: one split across chunks, a character split across chunks', async () => {
    const { path, server } = await serverAt((c) => {
      const text = Buffer.from('één\ntwo and ', 'utf8');
      c.write(text.subarray(0, 1)); // half of the first é
      setTimeout(() => c.write(text.subarray(1)), 20);
      setTimeout(() => c.end('three\n\n'), 40);
    });
    const lines = await withEnv(() => session(path, 1024, 'go\n'));
    server.close();
    expect(lines).toEqual(['één', 'two and three', '']);
  });

  it('ends the connection when more than the limit waits without a newline', async () => {
    let ended = false;
    const { path, server } = await serverAt((c) => {
      c.on('close', () => {
        ended = true;
      });
      c.on('error', () => {});
      c.resume(); // reads, so that it sees the client's end
      c.write('ok\n');
      c.write('x'.repeat(5000)); // never a newline, never closed by the server
    });
    const lines = await withEnv(() => session(path, 4096, 'go\n'));
    await new Promise((r) => setTimeout(r, 50));
    server.close();
    expect(lines).toEqual(['ok']);
    expect(ended).toBe(true);
  });

  it('a socket nobody listens on: close, and nothing else', async () => {
    const lines = await withEnv(() => session(join(dir, 'nobody'), 1024, 'go\n', ['more\n']));
    expect(lines).toEqual([]);
  });
});
