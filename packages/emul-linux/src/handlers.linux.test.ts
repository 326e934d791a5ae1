// The supervisor thread loads the emulation's handler module by specifier before it serves a jail:
// a module it cannot load, or one without a handler the emulation names, refuses the start (nothing
// runs); a good module serves the jail's notified calls (sethostname through the handler).
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPrisonFlags, type Emulation, JailSetupError, type Prison, startJail } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linux } from './emulation.js';
import { handlers } from './handlers.js';

const source = `#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
int main(void) {
  char name[65] = "";
  if (sethostname("handled.example", 15) != 0) { printf("sethostname %s\\n", strerror(errno)); return 1; }
  gethostname(name, sizeof name);
  printf("%s\\n", name);
  return 0;
}
`;

let base: string;
let prison: Prison;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'emul-linux-handlers-'));
  const root = join(base, 'root');
  for (const d of ['bin', 'proc', 'dev', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(base, 'name.c'), source);
  execFileSync('gcc', ['-static', '-O1', '-o', join(root, 'bin/name'), join(base, 'name.c')]);
  prison = {
    path: root,
    hostname: 'start.example',
    ipv4: ['127.0.23.1'],
    ipv6: [],
    flags: defaultPrisonFlags,
  };
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** This process's jail cgroups (core makes `<cgroup2>/sysjail/jail-<pid>-<jid>`). */
function ourCgroups(): string[] {
  const dir = '/sys/fs/cgroup/unified/sysjail';
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`jail-${process.pid}-`)) : [];
}

async function run(emulation: Emulation): Promise<string> {
  const outPath = join(base, 'out');
  const out = openSync(outPath, 'w');
  try {
    const jail = await startJail({ prison, command: ['/bin/name'], emulation, stdio: [0, out, 2] });
    await jail.exited;
    return readFileSync(outPath, 'utf8').trim();
  } finally {
    closeSync(out);
  }
}

describe('the Linux handler module in the supervisor thread', () => {
  it('serves the jail: sethostname is performed by the handler in the jail’s own UTS namespace', async () => {
    expect(await run(linux)).toBe('handled.example');
  });

  it('a module that cannot be loaded refuses the start', async () => {
    const broken = {
      ...linux,
      name: 'linux-broken-module',
      handlers: {
        module: new URL('./no-such-handlers.js', import.meta.url).href,
        names: Object.keys(handlers),
      },
    };
    const e = await run(broken).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JailSetupError);
    expect((e as Error).message).toMatch(/no-such-handlers/);
    expect(ourCgroups()).toEqual([]);
  });

  it('a module without a handler the emulation names refuses the start', async () => {
    const missing = {
      ...linux,
      name: 'linux-missing-handler',
      handlers: { ...linux.handlers!, names: [...Object.keys(handlers), 'chroot'] },
    };
    const e = await run(missing).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JailSetupError);
    expect((e as Error).message).toContain('has no handler chroot');
    expect(ourCgroups()).toEqual([]);
    // The thread is unharmed: the next jail is served.
    expect(await run(linux)).toBe('handled.example');
  });
});
