/** jexec(8) as the user runs it (the harness's built bins): sysjail -b starts a jail, jexec enters it. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../integration/jail-fixture.js';
import { runTool, startTool } from '../integration/run-tool.js';

let fx: JailFixture;
const name = `jx${process.pid}`;
let jid = '';

async function run(tool: string, args: string[], input?: string) {
  const r = await runTool(fx, tool, args, { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Host processes whose argv is exactly `argv` (a unique marker). */
function hostProcesses(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8') === want) out.push(Number(d));
    } catch {}
  }
  return out;
}

beforeAll(async () => {
  fx = makeJailFixture('jexec');
  writeFileSync(join(fx.root, 'etc/jexec-marker'), 'inside the jail root\n');
  const r = await run('sysjail', ['-b', '-n', name, fx.root, 'jexec.test', '127.0.0.7', '/bin/sleep', '600']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  jid = r.stdout.trim();
  expect(jid).toMatch(/^[0-9]+$/);
}, 60_000);

afterAll(async () => {
  if (jid) await run('jail', ['-r', jid]);
  fx?.cleanup();
});

describe('jexec into a running jail', () => {
  it('has a root-only socket beside the jail record', () => {
    const sock = join(fx.runDir, 'jails', `${jid}.sock`);
    const st = statSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it("sees the jail's hostname, root and PID namespace; exits with the command's status", async () => {
    const script = [
      'hostname',
      'cat /etc/jexec-marker',
      'echo pid $$',
      'cat /proc/1/comm',
      "tr '\\0' ' ' < /proc/2/cmdline; echo",
      'exit 7',
    ].join('; ');
    const r = await run('jexec', [name, '/bin/sh', '-c', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(7);
    const [hostname, marker, pidLine, init, command] = r.stdout.split('\n');
    expect(hostname).toBe('jexec.test');
    expect(marker).toBe('inside the jail root');
    const pid = Number(pidLine.replace('pid ', ''));
    expect(pid).toBeGreaterThan(2);
    expect(pid).toBeLessThan(100);
    expect(init).toBe('sysjail-init');
    expect(command).toBe('/bin/sleep 600 ');
    // By JID as well as by name.
    expect(await run('jexec', [jid, 'hostname'])).toEqual({ status: 0, stdout: 'jexec.test\n', stderr: '' });
  });

  it('is denied what the jail is denied (mount: EPERM), by the same filter and supervisor', async () => {
    const r = await run('jexec', [name, '/bin/sh', '-c', 'mount -t tmpfs none /tmp; echo status $?']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('status 1\n');
    expect(r.stderr).toMatch(/permission denied/i);
    // The supervisor's own process (jls) sees the same jail; the host root is not reachable.
    const where = await run('jexec', [
      name,
      '/bin/sh',
      '-c',
      `test -e ${fx.runDir} && echo host || echo jailed`,
    ]);
    expect(where.stdout).toBe('jailed\n');
  });

  it('passes stdin, stdout and stderr through', async () => {
    const r = await run('jexec', [name, '/bin/sh', '-c', 'tr a-z A-Z; echo to-stderr >&2'], 'hello jail\n');
    expect(r).toEqual({ status: 0, stdout: 'HELLO JAIL\n', stderr: 'to-stderr\n' });
  });

  it('exits 128 + the signal when a signal ends the command; 127 for a missing command', async () => {
    expect((await run('jexec', [name, '/bin/sh', '-c', 'kill -9 $$'])).status).toBe(137);
    const r = await run('jexec', [name, 'no-such-command']);
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/no-such-command/);
  });

  it('-U runs as a user of the jail, -l in a clean environment from HOME', async () => {
    expect((await run('jexec', ['-U', 'nobody', name, 'id', '-u'])).stdout).toBe('65534\n');
    const r = await run('jexec', ['-l', name, '/bin/sh', '-c', 'pwd; echo "$HOME $USER $SYSJAIL_RUN_DIR"']);
    expect(r.stdout).toBe('/root\n/root root \n');
    expect(await run('jexec', ['-U', 'no-such-user', name, 'id'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'jexec: unknown user in the jail: no-such-user\n',
    });
  });

  it('an unknown JID or name is one line on stderr and nothing runs', async () => {
    expect(await run('jexec', ['987654', 'true'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'jexec: jail 987654 not found\n',
    });
    expect(await run('jexec', ['nosuchjail', 'true'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'jexec: jail "nosuchjail" not found\n',
    });
  });

  it('what jailed root plants at /etc/passwd: a FIFO hangs nothing, a link to a host file is not followed', async () => {
    const hostFile = join(fx.base, 'host-passwd');
    writeFileSync(hostFile, 'hostonly:x:4242:4242::/:/bin/sh\n');
    const planted = await run('jexec', [
      name,
      '/bin/sh',
      '-c',
      'rm /etc/passwd && mkfifo /etc/passwd && echo planted',
    ]);
    expect(planted).toEqual({ status: 0, stdout: 'planted\n', stderr: '' });
    // Without -U/-l jexec does not read the jail's passwd at all.
    expect(await run('jexec', [name, 'echo', 'ok'])).toEqual({ status: 0, stdout: 'ok\n', stderr: '' });
    const fifo = `jexec: ${join(fx.root, 'etc/passwd')}: not a regular file\n`;
    expect(await run('jexec', ['-U', 'nobody', name, 'id'])).toEqual({ status: 1, stdout: '', stderr: fifo });
    expect(await run('jexec', ['-l', name, 'id'])).toEqual({ status: 1, stdout: '', stderr: fifo });
    // jail -U reads the jail's passwd too, before anything starts.
    expect(await run('jail', ['-U', 'nobody', fx.root, 'h', '127.0.0.7', '/bin/true'])).toEqual({
      status: 1,
      stdout: '',
      stderr: `jail: ${join(fx.root, 'etc/passwd')}: not a regular file\n`,
    });

    const relink = `rm /etc/passwd && ln -s ${hostFile} /etc/passwd && echo linked`;
    expect((await run('jexec', [name, '/bin/sh', '-c', relink])).stdout).toBe('linked\n');
    expect(await run('jexec', ['-U', 'hostonly', name, 'id', '-u'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'jexec: unknown user in the jail: hostonly\n',
    });
    expect((await run('jail', ['-U', 'hostonly', fx.root, 'h', '127.0.0.7', '/bin/true'])).stderr).toBe(
      'jail: unknown user in the jail: hostonly\n',
    );
    // A link that stays inside the root is the jail's own business, and is followed there.
    const inside =
      'rm /etc/passwd && echo "inner:x:77:77::/:/bin/sh" > /etc/pw2 && ln -s /etc/pw2 /etc/passwd';
    expect((await run('jexec', [name, '/bin/sh', '-c', inside])).status).toBe(0);
    expect((await run('jexec', ['-U', 'inner', name, 'id', '-u'])).stdout).toBe('77\n');
  });

  it('a jexec’d process dies when the jail is removed (-R: no SIGTERM first); jexec reports SIGKILL (137)', async () => {
    const marker = ['/bin/sleep', String(400 + (process.pid % 100))];
    const jexec = startTool(fx, 'jexec', [name, ...marker], { stdin: 'ignore', timeoutMs: 0 });
    let found: number[] = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      found = hostProcesses(marker);
    }
    expect(found).toHaveLength(1);
    expect(await run('jail', ['-R', jid])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await jexec.done).status).toBe(137);
    expect(hostProcesses(marker)).toEqual([]);
    expect(existsSync(join(fx.runDir, 'jails', `${jid}.sock`))).toBe(false);
    jid = '';
  });
});
