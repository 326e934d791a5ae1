// Test helper: compiles a C fixture with gcc into a fresh temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Compiled {
  path: string;
  dir: string;
  cleanup(): void;
}

export function compileFixture(name: string, flags: string[] = ['-O2', '-static']): Compiled {
  const dir = mkdtempSync(join(tmpdir(), 'systrace-bindings-'));
  const src = fileURLToPath(new URL(`./${name}.c`, import.meta.url));
  const path = join(dir, name);
  execFileSync('gcc', [...flags, '-o', path, src], { stdio: 'pipe' });
  return { path, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
