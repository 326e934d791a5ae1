// The emulations the cli knows: every @sysjail/emul-* package installed beside it that declares itself in
// its package.json ("sysjail": { "emulation": { "module", "export", "native" } }), found when the cli is
// loaded. Core stays a static import; core names no emulation.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, parse } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Emulation } from '@sysjail/core';

/** What an emulation package says of itself in package.json under "sysjail". */
export interface EmulationDeclaration {
  /** The module (relative to the package) that exports the emulation object. */
  readonly module: string;
  /** The name of that export. */
  readonly export: string;
  /** The native emulation (programs the kernel runs as they are): listed first. */
  readonly native?: boolean;
}

export interface DiscoveredEmulation {
  readonly packageName: string;
  readonly directory: string;
  readonly declaration: EmulationDeclaration;
}

/**
 * Directories that may hold @sysjail packages installed with the cli: its siblings (the workspace's
 * packages/, or node_modules/@sysjail/ of an installed cli), node_modules/@sysjail of each directory
 * above it (node's own lookup order), then @sysjail in each NODE_PATH directory (node's global folders).
 */
export function emulationSearchDirs(cliDir: string, nodePath = ''): string[] {
  const dirs = [dirname(cliDir)];
  for (let d = cliDir; ; d = dirname(d)) {
    dirs.push(join(d, 'node_modules', '@sysjail'));
    if (d === parse(d).root) break;
  }
  for (const d of nodePath.split(delimiter)) if (isAbsolute(d)) dirs.push(join(d, '@sysjail'));
  return dirs;
}

function declarationOf(manifest: unknown): { name: string; declaration: EmulationDeclaration } | undefined {
  const m = manifest as { name?: unknown; sysjail?: { emulation?: Partial<EmulationDeclaration> } };
  const d = m.sysjail?.emulation;
  if (typeof m.name !== 'string' || !m.name.startsWith('@sysjail/emul-') || !d) return undefined;
  if (typeof d.module !== 'string' || typeof d.export !== 'string') return undefined;
  return { name: m.name, declaration: { module: d.module, export: d.export, native: d.native === true } };
}

/** The emulation packages in the search directories, each once (by real path and by name), native first. */
export function discoverEmulations(searchDirs: readonly string[]): DiscoveredEmulation[] {
  const found = new Map<string, DiscoveredEmulation>();
  const seen = new Set<string>();
  for (const dir of searchDirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      if (!entry.startsWith('emul-')) continue;
      let directory: string;
      let manifest: unknown;
      try {
        directory = realpathSync(join(dir, entry));
        manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
      } catch {
        continue; // not a package
      }
      if (seen.has(directory)) continue;
      seen.add(directory);
      const declared = declarationOf(manifest);
      if (declared && !found.has(declared.name)) {
        found.set(declared.name, {
          packageName: declared.name,
          directory,
          declaration: declared.declaration,
        });
      }
    }
  }
  return [...found.values()].sort(
    (a, b) =>
      Number(b.declaration.native ?? false) - Number(a.declaration.native ?? false) ||
      a.packageName.localeCompare(b.packageName),
  );
}

/** The emulation object a discovered package exports. */
export async function loadEmulation(d: DiscoveredEmulation): Promise<Emulation> {
  const mod = (await import(pathToFileURL(join(d.directory, d.declaration.module)).href)) as Record<
    string,
    unknown
  >;
  const e = mod[d.declaration.export] as Partial<Emulation> | undefined;
  if (!e || typeof e.name !== 'string' || !Array.isArray(e.tables) || typeof e.policy !== 'function') {
    throw new Error(`${d.packageName}: ${d.declaration.export} is not an emulation`);
  }
  return e as Emulation;
}

const cliDir = realpathSync(fileURLToPath(new URL('../', import.meta.url)));

/** Loaded once, when the cli is loaded; a package that cannot be loaded is left out, with a line on stderr. */
const loaded: Emulation[] = [];
for (const d of discoverEmulations(emulationSearchDirs(cliDir, process.env.NODE_PATH))) {
  try {
    loaded.push(await loadEmulation(d));
  } catch (e) {
    process.stderr.write(`sysjail: emulation package ${d.packageName} left out: ${(e as Error).message}\n`);
  }
}

/** The emulations the cli knows, native first. */
export function installedEmulations(): Emulation[] {
  return [...loaded];
}
