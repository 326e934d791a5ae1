// A real jail under the __NAME__ emulation (root, Linux): a static program sets host names through the
// jail's filter and this package's hostname handler, run by the supervisor thread.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPrisonFlags, startJail } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { __NAME__ } from './emulation.js';

const source = `#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/personality.h>
static void try_name(const char *name) {
  char now[65] = "";
  int rc = sethostname(name, strlen(name));
  gethostname(now, sizeof now);
  printf("%s: %s, now %s\\n", name, rc == 0 ? "ok" : strerrorname_np(errno), now);
}
int main(void) {
  try_name("good.example");
  try_name("bad name!");
  printf("personality: %s\\n", personality(0xffffffff) == -1 ? strerrorname_np(errno) : "ok");
  return 0;
}
`;

let base: string;
let root: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'emul-__NAME__-'));
  root = join(base, 'root');
  for (const d of ['bin', 'proc', 'dev', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(base, 'names.c'), source);
  execFileSync('gcc', ['-static', '-O1', '-o', join(root, 'bin/names'), join(base, 'names.c')]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a jail under the __NAME__ emulation', () => {
  it('runs its policy and its handler: names checked on the copy, personality refused', async () => {
    const outPath = join(base, 'out');
    const out = openSync(outPath, 'w');
    try {
      const jail = await startJail({
        prison: { path: root, hostname: 'start.example', ipv4: [], ipv6: [], flags: defaultPrisonFlags },
        command: ['/bin/names'],
        emulation: __NAME__,
        stdio: [0, out, 2],
      });
      expect((await jail.exited).code).toBe(0);
      expect(jail.counters().emulated).toBeGreaterThanOrEqual(1);
    } finally {
      closeSync(out);
    }
    expect(readFileSync(outPath, 'utf8').trim().split('\n')).toEqual([
      'good.example: ok, now good.example',
      'bad name!: EINVAL, now good.example',
      'personality: EPERM',
    ]);
  });
});
