/**
 * Compiles victims/probe.c with gcc, 64-bit static and `-m32 -static`, once per source version: the
 * binaries are cached under os.tmpdir() by the hash of the source (written to a temp name, then renamed,
 * so that test files building at once do not see half-written files).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('./victims/probe.c', import.meta.url).href.replace('/dist/', '/src/'));

export interface ProbeBinaries {
  readonly probe64: string;
  readonly probe32: string;
}

export function buildProbes(): ProbeBinaries {
  const text = readFileSync(source);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `sysjail-it-probe-${hash}`);
  mkdirSync(dir, { recursive: true });
  const out = { probe64: join(dir, 'probe64'), probe32: join(dir, 'probe32') };
  for (const [file, flags] of [
    [out.probe64, []],
    [out.probe32, ['-m32']],
  ] as const) {
    if (existsSync(file)) continue;
    const tmp = `${file}.${process.pid}`;
    execFileSync('gcc', ['-O1', '-static', '-pthread', ...flags, '-o', tmp, source], { stdio: 'pipe' });
    renameSync(tmp, file);
  }
  return out;
}
