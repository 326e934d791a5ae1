/**
 * Compiles victims/stdio-attack.c (gcc, static) once per source version, cached under os.tmpdir() by the
 * hash of the source; written to a temp name, then renamed, so that test files building at once never
 * see a half-written binary.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(
  new URL('./victims/stdio-attack.c', import.meta.url).href.replace('/dist/', '/src/'),
);

/** The path of the built victim. */
export function buildStdioAttack(): string {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `sysjail-stdio-attack-${hash}`);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'stdio-attack');
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}`;
    execFileSync('gcc', ['-O1', '-static', '-o', tmp, source], { stdio: 'pipe' });
    renameSync(tmp, out);
  }
  return out;
}
