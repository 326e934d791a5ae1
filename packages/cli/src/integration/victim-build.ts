/**
 * Compiles a test victim (C, gcc, static) once per source version: cached under os.tmpdir() by the hash
 * of the source and the flags, written to a temp name and then renamed, so that test files building at
 * once never see a half-written binary.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `source` relative to this package's src/ (`integration/victims/probe.c`); the built binary's path. */
export function buildVictim(source: string, flags: readonly string[] = []): string {
  const path = fileURLToPath(new URL(`../${source}`, import.meta.url).href.replace('/dist/', '/src/'));
  const name = basename(source, '.c');
  const hash = createHash('sha256')
    .update(readFileSync(path))
    .update(flags.join(' '))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), `sysjail-victim-${name}-${hash}`);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, name);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}`;
    execFileSync('gcc', ['-O1', '-static', ...flags, '-o', tmp, path], { stdio: 'pipe' });
    renameSync(tmp, out);
  }
  return out;
}

/** victims/probe.c, 64-bit and i386 (`-m32`). */
export function buildProbes(): { readonly probe64: string; readonly probe32: string } {
  return {
    probe64: buildVictim('integration/victims/probe.c', ['-pthread']),
    probe32: buildVictim('integration/victims/probe.c', ['-pthread', '-m32']),
  };
}
