// A throwaway jail root for the benchmark: mkjail's busybox root plus the benchmark's programs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNatives, installNatives } from './natives.mjs';

export const cliBin = (name) => fileURLToPath(new URL(`../dist/bin/${name}.js`, import.meta.url));

/** Files 1, 2, 4 and 8 path components deep (/etc/passwd is mkjail's): Landlock's walk per open. */
export const DEPTH_FILES = {
  1: '/sj-depth',
  2: '/etc/passwd',
  4: '/usr/sj/depth/file',
  8: '/usr/sj/depth/a/b/c/d/e/file',
};

/** Makes <tmp>/root with mkjail, the programs in its /bin and DEPTH_FILES; remove() deletes everything. */
export function makeBenchRoot() {
  const dir = mkdtempSync(join(tmpdir(), 'sysjail-bench-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const root = join(dir, 'root');
    execFileSync(process.execPath, [cliBin('mkjail'), root], { stdio: ['ignore', 'ignore', 'inherit'] });
    const built = buildNatives(join(dir));
    installNatives(built, root);
    for (const path of Object.values(DEPTH_FILES)) {
      if (path === '/etc/passwd') continue;
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), 'sysjail bench\n');
    }
    return { dir, root, built, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
