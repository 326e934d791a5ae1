/**
 * What must keep working in a jail: fork/exec/wait, pipes, threads, signals, files under the root, unix
 * sockets, listening on and connecting to the jail IP; the same from a 32-bit static binary; and a shell.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';
import { runJail } from './run-tool.js';

const JAIL_IP = '127.0.0.23';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('func');
});
afterAll(() => fx?.cleanup());

describe.each(['probe64', 'probe32'])('ordinary programs work (%s)', (probe) => {
  it('fork/exec/wait, pipes, threads, signals, files, unix and inet sockets', async () => {
    const r = await runJail(fx, [fx.root, 'func.example', JAIL_IP, `/bin/${probe}`, 'func', JAIL_IP]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const out = Object.fromEntries(parseProbe(r.stdout));
    expect(out).toMatchObject({
      'fork-exec-wait': 'ok',
      pipe: 'pipe',
      thread: '42',
      signal: 'ok',
      file: 'file-data',
      'unix-socket': 'ok',
      'tcp-jail-ip': 'ok',
      clock_gettime: 'ok',
      mmap: 'ok',
      getpid: '2',
    });
    expect(out['tcp-listen-address']).toMatch(new RegExp(`^${JAIL_IP}:[1-9]`));
    // The file is under the jail root on the host.
    expect(readFileSync(join(fx.root, 'tmp', 'probe-file'), 'utf8')).toBe('file-data');
  });
});

describe('a shell in the jail', () => {
  it('runs pipelines, subshells, background jobs, traps and files', async () => {
    const script = [
      'echo hello | tr a-z A-Z',
      'x=$(echo sub); echo $x',
      'sleep 0.1 & wait $!; echo waited $?',
      'trap "echo trapped" USR1; kill -USR1 $$',
      'echo data > /tmp/sh-file; cat /tmp/sh-file',
      'ls / | grep -c . > /dev/null && echo ls-ok',
      'id -u',
    ].join('\n');
    const r = await runJail(fx, [fx.root, 'func.example', JAIL_IP, '/bin/sh', '-c', script]);
    expect(r).toMatchObject({
      status: 0,
      stdout: 'HELLO\nsub\nwaited 0\ntrapped\ndata\nls-ok\n0\n',
      stderr: '',
    });
  });

  it('stdin reaches the jailed command', async () => {
    const r = await runJail(fx, [fx.root, 'func.example', JAIL_IP, '/bin/sh', '-c', 'read a; echo got $a'], {
      input: 'line\n',
    });
    expect(r).toMatchObject({ status: 0, stdout: 'got line\n' });
  });
});
