/**
 * The jail's hostname is HOSTNAME; sethostname inside never changes the host's name; setdomainname is
 * refused.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { parseProbe } from './probe-output.js';
import { runJail } from './run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('host');
});
afterAll(() => fx?.cleanup());

const hostName = () => readFileSync('/proc/sys/kernel/hostname', 'utf8');
const hostDomain = () => readFileSync('/proc/sys/kernel/domainname', 'utf8');

describe.each(['probe64', 'probe32'])('hostname (%s)', (probe) => {
  it('uname and gethostname show HOSTNAME; the host’s names never change', async () => {
    const [name, domain] = [hostName(), hostDomain()];
    const r = await runJail(fx, [fx.root, 'www.example', '127.0.0.5', `/bin/${probe}`, 'host']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const out = parseProbe(r.stdout);
    expect(out.get('uname')).toBe('www.example');
    expect(out.get('gethostname')).toBe('www.example');
    // allow.set_hostname may let the jail rename its own UTS namespace; either way, only its own.
    expect(out.get('sethostname')).toMatch(/^(ok|EPERM)$/);
    expect(out.get('after')).toBe(out.get('sethostname') === 'ok' ? 'jail-renamed' : 'www.example');
    expect(out.get('setdomainname')).toBe('EPERM');
    expect(hostName()).toBe(name);
    expect(hostDomain()).toBe(domain);
  });
});

it('the shell sees HOSTNAME too', async () => {
  const r = await runJail(fx, [fx.root, 'shell.example', '127.0.0.5', '/bin/sh', '-c', 'hostname; uname -n']);
  expect(r).toMatchObject({ status: 0, stdout: 'shell.example\nshell.example\n', stderr: '' });
});
