// Builds the native programs into dist/native/ as static executables: sysjail-init, the jail's PID 1, and
// sysjail-binfmt, which makes a jail's user namespace and private binfmt_misc instance.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cc = process.env.CC ?? 'cc';
for (const name of ['sysjail-init', 'sysjail-binfmt']) {
  const source = join(root, 'native', `${name}.c`);
  const output = join(root, 'dist', 'native', name);
  try {
    if (statSync(output).mtimeMs >= statSync(source).mtimeMs) continue;
  } catch {}
  mkdirSync(dirname(output), { recursive: true });
  try {
    execFileSync(cc, ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', output, source], { stdio: 'inherit' });
  } catch {
    console.error(`@sysjail/core: cannot build ${source} with ${cc} -static (install gcc and libc6-dev)`);
    process.exit(1);
  }
}
