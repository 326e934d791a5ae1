// Builds sysjail-freebsd, the FreeBSD system-call layer, as a static executable into dist/native/:
// the C tables are generated from this package's TypeScript data (dist/loader-tables.js) first.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'native');
const header = join(out, 'freebsd-abi.h');
const output = join(out, 'sysjail-freebsd');
const { generateLoaderTables } = await import(join(root, 'dist', 'loader-tables.js'));
mkdirSync(out, { recursive: true });
const tables = generateLoaderTables();
let old = '';
try {
  old = readFileSync(header, 'utf8');
} catch {}
if (old !== tables) writeFileSync(header, tables);

const cc = process.env.CC ?? 'cc';
const upToDate = (target, inputs) => {
  try {
    const built = statSync(target).mtimeMs;
    return inputs.every((f) => statSync(f).mtimeMs <= built);
  } catch {
    return false;
  }
};

// The freestanding FreeBSD victim of the tests and sjtest, branded OS/ABI 9 as brandelf(1) does.
const victimSource = join(root, 'victim', 'freebsd-victim.c');
const victim = join(out, 'freebsd-victim');
if (!upToDate(victim, [victimSource, join(root, 'native', 'freebsd-layouts.h')])) {
  try {
    execFileSync(
      cc,
      ['-static', '-nostdlib', '-ffreestanding', '-fno-builtin', '-fno-stack-protector', '-fno-pie', '-no-pie',
        '-fcf-protection=none', '-O2', '-Wall', '-Wextra', '-Werror', '-Wl,--build-id=none', '-o', victim, victimSource],
      { stdio: 'inherit' },
    );
  } catch {
    console.error(`@sysjail/emul-freebsd: cannot build ${victim} with ${cc}`);
    process.exit(1);
  }
  const fd = openSync(victim, 'r+');
  writeSync(fd, Buffer.from([9]), 0, 1, 7); // EI_OSABI = ELFOSABI_FREEBSD
  closeSync(fd);
}

const sources = readdirSync(join(root, 'native')).map((f) => join(root, 'native', f));
if (upToDate(output, [header, ...sources])) process.exit(0);
const flags = [
  '-static',
  '-nostdlib',
  '-ffreestanding',
  '-fno-builtin',
  '-fno-tree-loop-distribute-patterns',
  '-fno-stack-protector',
  '-fno-pie',
  '-no-pie',
  '-fcf-protection=none',
  '-O2',
  '-Wall',
  '-Wextra',
  '-Werror',
  // Away from where FreeBSD programs are linked (0x400000..) and Go's heap hints (0xc000000000), within the small code model.
  '-Wl,-Ttext-segment=0x60000000',
  '-Wl,--build-id=none',
  `-I${out}`,
  '-o',
  output,
  join(root, 'native', 'freebsd-loader.c'),
];
try {
  execFileSync(cc, flags, { stdio: 'inherit' });
} catch {
  console.error(`@sysjail/emul-freebsd: cannot build ${output} with ${cc} (install gcc)`);
  process.exit(1);
}
