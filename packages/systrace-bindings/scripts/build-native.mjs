// Builds libsysjail-launch, the native launcher (native/sysjail-launch.c), as a shared library into
// dist/native/ for koffi to load.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'sysjail-launch.c');
const output = join(root, 'dist', 'native', 'libsysjail-launch.so');
try {
  if (statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
} catch {}
mkdirSync(dirname(output), { recursive: true });
const cc = process.env.CC ?? 'cc';
const flags = ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-Wl,-z,now'];
try {
  execFileSync(cc, [...flags, '-o', output, source], { stdio: 'inherit' });
} catch {
  console.error(`@sysjail/systrace-bindings: cannot build ${source} with ${cc} (install gcc and libc6-dev)`);
  process.exit(1);
}
