import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { explainPolicy, formatPolicyExplanation } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';
import { describe, expect, it } from 'vitest';
import { type ExplainJailConfig, parseJailArgs } from '../config/index.js';
import { CliError, exitStatusOf } from '../errors.js';
import { explainText } from './explain.js';

/** The arguments docs/policy-linux.txt is made with (`pnpm policy-doc` at the root). */
const policyDocArgs = ['--explain', '-4', '192.0.2.1', '-6', '2001:db8::1'];
const policyDoc = new URL('../../../../docs/policy-linux.txt', import.meta.url);
const sysjail = fileURLToPath(new URL('../../dist/bin/sysjail.js', import.meta.url));

const explain = (argv: string[], euid = 1000) => {
  const config = parseJailArgs('sysjail', argv, { euid });
  if (config.kind !== 'explain') throw new Error(`not an explain config: ${config.kind}`);
  return explainText(config as ExplainJailConfig);
};

describe('sysjail --explain', () => {
  it('gives the text committed as docs/policy-linux.txt for the default policy (pnpm policy-doc)', async () => {
    expect(await explain(policyDocArgs)).toBe(readFileSync(policyDoc, 'utf8'));
  });

  it('prints it from the command line without privilege, and starts nothing', () => {
    const r = spawnSync(process.execPath, [sysjail, ...policyDocArgs], {
      encoding: 'utf8',
      uid: 65534,
      gid: 65534,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(policyDoc, 'utf8'));
  });

  it('follows the flags and the address families', async () => {
    const base = await explain(['--explain', '-4', '192.0.2.1']);
    const raw = await explain(['--explain', '--allow-raw-sockets', '-4', '192.0.2.1']);
    const rawLine = /41 socket +errno EPERM +if \(arg1 & SOCK_TYPE_MASK\) == SOCK_RAW/;
    expect(base).toMatch(rawLine);
    expect(raw).not.toMatch(rawLine);
    expect(base).toMatch(/41 socket +errno EAFNOSUPPORT +if arg0 == AF_INET6: the jail has no IPv6 address/);
    expect(base).toContain('# ipv6: none');
    expect(await explain(['--explain', '--allow-ipc'])).toMatch(/29 shmget +allow +the policy default/);
    expect(base).toMatch(/29 shmget +errno ENOSYS +SysV IPC is off/);
  });

  it('says which emulation: a FreeBSD program runs through its loader under the Linux policy', async () => {
    const text = await explain(['--explain', '--emulation', 'freebsd']);
    expect(text).toContain('# freebsd programs run through their loader, under the linux policy');
    expect(text).toContain('emulation linux, policy linux-jail');
  });

  it('with --changeable, shows the calls a jail with those changeable flags sends to its supervisor', async () => {
    const base = await explain(['--explain', '-4', '192.0.2.1']);
    const text = await explain(['--explain', '--changeable', 'allow.raw_sockets', '-4', '192.0.2.1']);
    expect(base).not.toContain('notify policy');
    expect(text).toContain('# changeable (sysjail.changeable): allow.raw_sockets');
    expect(text).toMatch(
      /41 socket +notify policy +if \(arg1 & SOCK_TYPE_MASK\) == SOCK_RAW: decided by the jail's current flags \(changeable: allowRawSockets\)/,
    );
    // The rest of the text is core's explanation of that jail's filter policy.
    const prison = parseJailArgs('sysjail', ['--explain', '-4', '192.0.2.1'], { euid: 1000 }).prison;
    expect(text.slice(text.indexOf('emulation linux'))).toBe(
      formatPolicyExplanation(explainPolicy(prison, linux, { changeableFlags: ['allowRawSockets'] })),
    );
    // jail.conf's names, comma-separated or repeated; SysV IPC calls are routed too.
    const two = await explain(['--explain', '--changeable', 'allow.raw_sockets,allow.sysvipc']);
    expect(two).toBe(
      await explain(['--explain', '--changeable', 'allow.raw_sockets', '--changeable', 'allow.sysvipc']),
    );
    expect(two).toMatch(/29 shmget +notify policy +decided by the jail's current flags/);
  });

  it('is a usage error with -r or -b, or with an unknown emulation', async () => {
    for (const argv of [
      ['--explain', '-r', '1'],
      ['--explain', '-b'],
      ['--explain', '--emulation', 'plan9'],
      ['--explain', '--changeable', 'allow.rlimit'],
      ['--explain', '--changeable', 'allowRawSockets'],
      ['--changeable', 'allow.raw_sockets', '/', 'j', '192.0.2.1', 'true'],
    ]) {
      let error: unknown;
      try {
        await explain(argv);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(CliError);
      expect(exitStatusOf(error), argv.join(' ')).toBe(2);
    }
  });
});
