/**
 * prlimit64 on another process is performed by the supervisor with its own privileges, so the
 * supervisor must refuse what the kernel would refuse the caller: a jailed user other than root may not
 * change the limits of root's processes (here the jail's PID 1), while root may, and anyone may its own.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPrisonFlags, startJail } from '@sysjail/core';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';

const source = `#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
int main(int argc, char **argv) {
  struct rlimit r = { 64, 64 };
  int rc = prlimit(atoi(argv[1]), RLIMIT_NOFILE, &r, NULL);
  printf("%s\\n", rc == 0 ? "ok" : strerrorname_np(errno));
  return 0;
}
`;

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('prlimit-other');
  writeFileSync(join(fx.base, 'plim.c'), source);
  execFileSync('gcc', ['-static', '-O1', '-o', join(fx.root, 'bin/plim'), join(fx.base, 'plim.c')]);
});
afterAll(() => fx?.cleanup());

async function plim(target: string, user?: { uid: number; gid: number }): Promise<string> {
  const outPath = join(fx.base, `out-${target}-${user?.uid ?? 0}`);
  const stdout = openSync(outPath, 'w');
  try {
    const jail = await startJail({
      prison: {
        path: fx.root,
        hostname: 'plim.example',
        ipv4: ['127.0.0.5'],
        ipv6: [],
        flags: defaultPrisonFlags,
      },
      command: ['/bin/plim', target],
      emulation: linux,
      stdio: [0, stdout, 2],
      ...(user ? { user } : {}),
    });
    await jail.exited;
    return readFileSync(outPath, 'utf8').trim();
  } finally {
    closeSync(stdout);
  }
}

describe('prlimit64 on another process of the jail', () => {
  it('is refused to a jailed user for root’s init, as the kernel would', async () => {
    expect(await plim('1', { uid: 65534, gid: 65534 })).toBe('EPERM');
  });
  it('works for jailed root, and for anyone on itself', async () => {
    expect(await plim('1')).toBe('ok');
    expect(await plim('0', { uid: 65534, gid: 65534 })).toBe('ok');
  });
});
