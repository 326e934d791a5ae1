// A throwaway jail root for the benchmark: mkjail's busybox root plus the benchmark's programs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNatives, installNatives } from './natives.mjs';

export const cliBin = (name) => fileURLToPath(new URL(`../dist/bin/${name}.js`, import.meta.url));

/** Makes <tmp>/root with mkjail and the programs in its /bin; remove() deletes everything. */
export function makeBenchRoot() {
  const dir = mkdtempSync(join(tmpdir(), 'sysjail-bench-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const root = join(dir, 'root');
    execFileSync(process.execPath, [cliBin('mkjail'), root], { stdio: ['ignore', 'ignore', 'inherit'] });
    const built = buildNatives(join(dir));
    installNatives(built, root);
    return { dir, root, built, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
