/**
 * Core's real-jail tests without an emulation package (those depend on core): a jail root with
 * /bin/victim (lifecycle-victim.c, static), and the uapi emulation generated beside it from the kernel's
 * UAPI headers as emul-linux's tables are (linux-libc-dev: asm/unistd_64.h for the table, linux/audit.h
 * and the C library's errno names through abi-numbers.c). The emulation is a package directory
 * (package.json's "sysjail" declaration) that examples/template-emulation.mjs can start a jail with.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultPrisonFlags, type Emulation, type Prison } from '../src/index.js';

const fixtures = fileURLToPath(new URL('.', import.meta.url));
const unistd = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';

export interface JailFixture {
  /** The fixture's directory (mode 0700: the jail root below it is out of host users' reach). */
  readonly base: string;
  /** The jail root: bin/victim, proc, dev, tmp. */
  readonly root: string;
  /** The generated emulation package. */
  readonly emulationDir: string;
  readonly emulation: Emulation;
  /** A prison on the root with no address, default flags. */
  prison(overrides?: Partial<Prison>): Prison;
  cleanup(): void;
}

/** Writes the uapi emulation package into `dir`: the files of uapi-emulation/ and its abi.json. */
export function generateUapiEmulation(dir: string, work: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(join(fixtures, 'uapi-emulation')))
    copyFileSync(join(fixtures, 'uapi-emulation', f), join(dir, f));
  const syscalls = [...readFileSync(unistd, 'utf8').matchAll(/^#define\s+__NR_(\w+)\s+(\d+)\s*$/gm)].map(
    (m) => ({ name: m[1], nr: Number(m[2]) }),
  );
  const numbers = join(work, 'abi-numbers');
  execFileSync('gcc', ['-O1', '-o', numbers, join(fixtures, 'abi-numbers.c')], { stdio: 'pipe' });
  const abi = JSON.parse(execFileSync(numbers, { encoding: 'utf8' })) as object;
  writeFileSync(join(dir, 'abi.json'), `${JSON.stringify({ ...abi, syscalls }, null, 1)}\n`);
}

export async function makeJailFixture(tag: string): Promise<JailFixture> {
  const base = mkdtempSync(join(tmpdir(), `core-${tag}-`));
  try {
    const root = join(base, 'root');
    for (const d of ['bin', 'proc', 'dev', 'tmp']) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    execFileSync('gcc', ['-static', '-O1', '-o', join(root, 'bin/victim'), join(fixtures, 'lifecycle-victim.c')], {
      stdio: 'pipe',
    });
    const emulationDir = join(base, 'emulation');
    generateUapiEmulation(emulationDir, base);
    const module = (await import(pathToFileURL(join(emulationDir, 'emulation.mjs')).href)) as {
      uapi: Emulation;
    };
    return {
      base,
      root,
      emulationDir,
      emulation: module.uapi,
      prison: (overrides = {}) => ({
        path: root,
        hostname: `${tag}.example`,
        ipv4: [],
        ipv6: [],
        flags: defaultPrisonFlags,
        ...overrides,
      }),
      cleanup: () => rmSync(base, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(base, { recursive: true, force: true });
    throw e;
  }
}
