/**
 * The hand-off: with a shared supervisor running, `jail PATH HOST IP COMMAND` has the supervisor start
 * and keep the jail (stdio relayed, signals passed on, status back, the jail ending with jail(8)), and
 * starts the jail itself whenever the supervisor could not make the same jail: a caller placed or
 * confined apart from it, another SYSJAIL_* setting, a terminal, a usage error.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JailRecord } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, type JailFixture, jailBin, makeJailFixture } from '../integration/jail-fixture.js';
import { waitUntil } from '../integration/jail-traces.js';
import {
  runJail,
  startBackground,
  startJailCommand,
  startProgram,
  type ToolProcess,
} from '../integration/run-tool.js';

let fx: JailFixture;
let supervisor: number;
beforeAll(async () => {
  fx = makeJailFixture('handoff');
  // A background jail keeps the supervisor running for the whole file.
  const keeper = await startBackground(fx, [fx.root, 'keeper', '127.0.71.1', '/bin/sleep', '1000']);
  supervisor = fx.registry().find(keeper)?.supervisorPid ?? -1;
  expect(supervisor).toBeGreaterThan(0);
});
afterAll(() => fx?.cleanup());

const recordOf = (hostname: string): JailRecord | undefined =>
  fx
    .registry()
    .list()
    .find((r) => r.hostname === hostname);

/** The jail's record once its init is in it. */
const recorded = (host: string) =>
  waitUntil(() => (recordOf(host)?.initPid ? recordOf(host) : undefined), 10_000, `the jail ${host}`);

const parentOf = (pid: number) =>
  Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

/** Starts `jail ... HOST 127.0.71.N /bin/sleep 100` (through `wrapper`, if given), and its record once up. */
async function sleeper(host: string, n: number, wrapper: readonly string[] = []) {
  const args = [fx.root, host, `127.0.71.${n}`, '/bin/sleep', '100'];
  const p: ToolProcess =
    wrapper.length === 0
      ? startJailCommand(fx, args, { stdin: 'ignore' })
      : startProgram(fx, wrapper[0], [...wrapper.slice(1), process.execPath, jailBin, ...args], {
          stdin: 'ignore',
        });
  return { p, record: await recorded(host) };
}

describe("the client's connection: node's pipe handle, or node:net where process.binding would warn", () => {
  /** Preloaded into jail(8)'s node: at its exit, writes whether node:net was ever loaded. */
  function netProbe(name: string): { file: string; options: string } {
    const file = join(fx.base, `${name}.loaded`);
    const script = join(fx.base, `${name}.cjs`);
    writeFileSync(
      script,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(file)}, ` +
        "String(process.moduleLoadList.includes('NativeModule net'))));\n",
    );
    return { file, options: `--require=${script}` };
  }

  for (const [how, env, net, n] of [
    ["node's pipe handle, without node:net", {}, 'false', 20],
    ['node:net, with NODE_PENDING_DEPRECATION=1', { NODE_PENDING_DEPRECATION: '1' }, 'true', 21],
    [
      'node:net, with --pending-deprecation in NODE_OPTIONS',
      { NODE_OPTIONS: '--pending-deprecation' },
      'true',
      22,
    ],
  ] as const) {
    it(`through ${how}: taken, stdio, status and signals pass, no warning`, async () => {
      const probe = netProbe(`net-${n}`);
      const options = [(env as { NODE_OPTIONS?: string }).NODE_OPTIONS, probe.options]
        .filter(Boolean)
        .join(' ');
      const wrapper = [
        '/usr/bin/env',
        ...Object.entries({ ...env, NODE_OPTIONS: options }).map(([k, v]) => `${k}=${v}`),
      ];
      const host = `ho-conn-${n}`;
      const p = startProgram(
        fx,
        wrapper[0],
        [
          ...wrapper.slice(1),
          process.execPath,
          jailBin,
          fx.root,
          host,
          `127.0.71.${n}`,
          '/bin/sh',
          '-c',
          'read x; echo "got $x"; exit 5',
        ],
        { stdin: 'pipe' },
      );
      const record = await recorded(host);
      expect(record.supervisorPid).toBe(supervisor);
      p.child.stdin?.end('hi\n');
      expect(await p.done).toMatchObject({ status: 5, stdout: 'got hi\n', stderr: '' });
      expect(readFileSync(probe.file, 'utf8')).toBe(net);

      const s = await sleeper(`${host}-term`, n + 10, wrapper);
      expect(s.record.supervisorPid).toBe(supervisor);
      s.p.child.kill('SIGTERM');
      expect(await s.p.done).toMatchObject({ status: 143, stderr: '' });
      expect(recordOf(`${host}-term`)).toBeUndefined();
    });
  }
});

describe('jail(8) with a shared supervisor running', () => {
  it("hands the jail to it: the init is the supervisor's child, stdio and status pass through", async () => {
    const p = startJailCommand(fx, [
      fx.root,
      'ho-taken',
      '127.0.71.2',
      '/bin/sh',
      '-c',
      'read x; echo "got $x"; echo err >&2; exit 7',
    ]);
    const record = await recorded('ho-taken');
    expect(record.supervisorPid).toBe(supervisor);
    expect(parentOf(record.initPid)).toBe(supervisor);
    expect(parentOf(record.initPid)).not.toBe(p.child.pid);
    p.child.stdin?.end('hello\n');
    const r = await p.done;
    expect(r).toMatchObject({ status: 7, stdout: 'got hello\n', stderr: 'err\n' });
    expect(recordOf('ho-taken')).toBeUndefined();
    expect(existsSync(`/proc/${record.initPid}`)).toBe(false);
  });

  it('sysjail(1) in the foreground hands its jail over too', async () => {
    const p = startProgram(
      fx,
      process.execPath,
      [join(binDir, 'sysjail.js'), fx.root, 'ho-sysjail', '127.0.71.17', '/bin/sh', '-c', 'read x; exit 3'],
      { stdin: 'pipe' },
    );
    const record = await recorded('ho-sysjail');
    expect(record.supervisorPid).toBe(supervisor);
    p.child.stdin?.end('go\n');
    expect((await p.done).status).toBe(3);
  });

  it('-i prints the JID, as jail(8) does when it keeps the jail itself', async () => {
    const r = await runJail(fx, ['-i', fx.root, 'ho-jid', '127.0.71.3', '/bin/echo', 'ran']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^[0-9]+\nran\n$|^ran\n[0-9]+\n$/);
  });

  it('passes SIGTERM on to the init: the command dies of it, 143', async () => {
    const { p, record } = await sleeper('ho-term', 4);
    expect(record.supervisorPid).toBe(supervisor);
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.status).toBe(143);
    expect(recordOf('ho-term')).toBeUndefined();
  });

  it("ends the jail when jail(8) is killed, as the init's parent-death signal would", async () => {
    const { p, record } = await sleeper('ho-kill', 5);
    expect(record.supervisorPid).toBe(supervisor);
    p.child.kill('SIGKILL');
    await p.done;
    await waitUntil(
      () => !existsSync(`/proc/${record.initPid}`) && recordOf('ho-kill') === undefined,
      10_000,
      'the jail to end',
    );
  });

  // Each of these would make a jail other than the one jail(8) makes itself: it starts it itself.
  for (const [what, wrapper, n] of [
    ['a nice value', ['/usr/bin/nice', '-n', '5'], 6],
    ['resource limits', ['/usr/bin/prlimit', '--nofile=512:1024'], 7],
    ['a mount namespace', ['/usr/bin/unshare', '-m'], 8],
    ['no_new_privs', ['/usr/bin/setpriv', '--nnp'], 9],
    ['a CPU affinity', ['/usr/bin/taskset', '-c', '0'], 10],
  ] as const) {
    it(`a caller with ${what} of its own starts the jail itself`, async () => {
      const { p, record } = await sleeper(`ho-back-${n}`, n, wrapper);
      expect(record.supervisorPid).not.toBe(supervisor);
      expect(parentOf(record.initPid)).toBe(record.supervisorPid);
      p.child.kill('SIGTERM');
      expect((await p.done).status).toBe(143);
    });
  }

  it('another SYSJAIL_* setting: jail(8) starts the jail itself', async () => {
    const { p, record } = await sleeper('ho-env', 11, ['/usr/bin/env', 'SYSJAIL_SUPERVISION=thread']);
    expect(record.supervisorPid).not.toBe(supervisor);
    p.child.kill('SIGTERM');
    expect((await p.done).status).toBe(143);
  });

  it('SYSJAIL_DEBUG is no other setting, and says why a jail is not handed over', async () => {
    const taken = await sleeper('ho-debug', 15, ['/usr/bin/env', 'SYSJAIL_DEBUG=1']);
    expect(taken.record.supervisorPid).toBe(supervisor);
    taken.p.child.kill('SIGTERM');
    expect(await taken.p.done).toMatchObject({ status: 143, stderr: '' });
    const back = await sleeper('ho-debug2', 16, [
      '/usr/bin/env',
      'SYSJAIL_DEBUG=1',
      '/usr/bin/nice',
      '-n',
      '3',
    ]);
    expect(back.record.supervisorPid).not.toBe(supervisor);
    back.p.child.kill('SIGTERM');
    const r = await back.p.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toBe('jail: starting the jail here, not in the supervisor: caller: nice\n');
  });

  it('a caller in a Landlock domain cannot read the proof and is given nothing', async () => {
    // The client restricts itself (every file right still allowed beneath /: only the domain differs),
    // then offers the jail; its fallback reports instead of starting one.
    const bindings = join(
      binDir,
      '..',
      '..',
      'node_modules',
      '@sysjail',
      'systrace-bindings',
      'dist',
      'index.js',
    );
    const script = `
      const { landlockRestrict } = await import(${JSON.stringify(bindings)});
      landlockRestrict({ scoped: 0, beneath: '/' });
      const { createRequire } = await import('node:module');
      const require = createRequire(${JSON.stringify(jailBin)});
      require(${JSON.stringify(join(binDir, '..', 'bundle', 'handoff.cjs'))}).handOff(
        'jail', ${JSON.stringify([fx.root, 'ho-landlock', '127.0.71.12', '/bin/echo', 'handed'])},
        ${JSON.stringify(join(binDir, '..', 'daemon', 'supervisor-main.js'))},
        () => { process.stdout.write('given back\\n'); process.exit(0); });`;
    const p = startProgram(fx, process.execPath, ['--input-type=module', '-e', script], { stdin: 'ignore' });
    const r = await p.done;
    expect(r).toMatchObject({ status: 0, stdout: 'given back\n' });
    // The same client outside a domain is taken (the check is what refused it).
    const plain = script.replace("landlockRestrict({ scoped: 0, beneath: '/' });", '');
    const q = await startProgram(fx, process.execPath, ['--input-type=module', '-e', plain], {
      stdin: 'ignore',
    }).done;
    expect(q).toMatchObject({ status: 0, stdout: 'handed\n' });
  });

  it('a terminal stays with jail(8): it starts the jail itself', async () => {
    // script(1) gives jail(8) a terminal as stdin, stdout and stderr.
    const p = startProgram(
      fx,
      '/usr/bin/script',
      ['-qec', `${process.execPath} ${jailBin} ${fx.root} ho-tty 127.0.71.13 /bin/sleep 100`, '/dev/null'],
      { stdin: 'pipe' },
    );
    const record = await recorded('ho-tty');
    expect(record.supervisorPid).not.toBe(supervisor);
    process.kill(record.supervisorPid, 'SIGTERM');
    await p.done;
  });

  it("a usage error is jail(8)'s own: message and synopsis, 2", async () => {
    const r = await runJail(fx, [fx.root, 'ho-usage']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^jail: .*\nusage: jail /);
  });

  it("the supervisor's end ends a jail handed to it, and jail(8) says so (1)", async () => {
    const { p, record } = await sleeper('ho-sup', 14);
    expect(record.supervisorPid).toBe(supervisor);
    process.kill(supervisor, 'SIGKILL');
    const r = await p.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('jail: the sysjail supervisor ended before the jail\n');
    await waitUntil(() => !existsSync(`/proc/${record.initPid}`), 10_000, 'the init to die');
  });
});
