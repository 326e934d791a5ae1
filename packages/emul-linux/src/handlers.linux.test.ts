// Linux's handler module in core's supervisor thread serves a real jail's notified calls (sethostname
// through the handler). How core refuses a module it cannot use is core's test
// (packages/core/src/jail/lifecycle.linux.test.ts).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPrisonFlags, type Emulation, type Prison, startJail } from '@sysjail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linux } from './emulation.js';

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
});
