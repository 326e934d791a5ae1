// Builds sysjail-init, the jail's PID 1, as a static executable into dist/native/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'sysjail-init.c');
const output = join(root, 'dist', 'native', 'sysjail-init');
try {
  if (statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
} catch {}
mkdirSync(dirname(output), { recursive: true });
const cc = process.env.CC ?? 'cc';
try {
  execFileSync(cc, ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', output, source], { stdio: 'inherit' });
} catch {
  console.error(`@sysjail/core: cannot build ${source} with ${cc} -static (install gcc and libc6-dev)`);
  process.exit(1);
}
