// The emulations the cli knows: every @sysjail/emul-* package installed beside it that declares itself in
// its package.json ("sysjail": { "emulation": { "module", "export", "native" } }), found when a command
// first needs them. Core stays a static import; core names no emulation.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, isAbsolute, join, parse } from 'node:path';
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
        directory = realpathSync.native(join(dir, entry));
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

/**
 * The emulation packages the cli depends on, imported by their names: the cli's bundles carry them (the
 * bins load no second copy of core for them). Used for a discovered package only when it is the very
 * package the cli resolves that name to; any other is imported from its own directory.
 */
const dependencies: Readonly<Record<string, (() => Promise<unknown>) | undefined>> = {
  '@sysjail/emul-linux': () => import('@sysjail/emul-linux'),
  '@sysjail/emul-freebsd': () => import('@sysjail/emul-freebsd'),
};

/**
 * The directory `name` resolves to from the cli (its own dependency); undefined if it does not. As
 * require.resolve(`${name}/package.json`) from the cli finds it: the nearest node_modules/<name> above
 * the cli with a package.json that its exports map (if any) names, real path; anything else (NODE_PATH,
 * global folders, exports that leave package.json out) is require.resolve's answer. Resolving through
 * the exports maps costs a fresh process about 1.5 ms a package.
 */
export function dependencyDirectory(cliDir: string, name: string): string | undefined {
  for (let d = cliDir; ; d = dirname(d)) {
    const file = join(d, 'node_modules', name, 'package.json');
    if (basename(d) !== 'node_modules' && existsSync(file)) {
      try {
        const { exports } = JSON.parse(readFileSync(file, 'utf8')) as { exports?: unknown };
        const named =
          exports === undefined ||
          (typeof exports === 'object' &&
            exports !== null &&
            (exports as Record<string, unknown>)['./package.json'] === './package.json');
        if (named) return dirname(realpathSync.native(file));
      } catch {}
      break;
    }
    if (d === dirname(d)) break;
  }
  try {
    return dirname(realpathSync(createRequire(join(cliDir, 'package.json')).resolve(`${name}/package.json`)));
  } catch {
    return undefined;
  }
}

/** The emulation object a discovered package exports (`cliDir`: the cli's own dependencies are imported by name). */
export async function loadEmulation(d: DiscoveredEmulation, cliDir?: string): Promise<Emulation> {
  const dependency = dependencies[d.packageName];
  const own =
    dependency && cliDir !== undefined && dependencyDirectory(cliDir, d.packageName) === d.directory;
  const mod = (
    own ? await dependency() : await import(pathToFileURL(join(d.directory, d.declaration.module)).href)
  ) as Record<string, unknown>;
  const e = mod[d.declaration.export] as Partial<Emulation> | undefined;
  if (!e || typeof e.name !== 'string' || !Array.isArray(e.tables) || typeof e.policy !== 'function') {
    throw new Error(`${d.packageName}: ${d.declaration.export} is not an emulation`);
  }
  return e as Emulation;
}

/** Loaded once, when first asked for; a package that cannot be loaded is left out, with a line on stderr. */
let loaded: Promise<Emulation[]> | undefined;

async function loadInstalled(): Promise<Emulation[]> {
  const cliDir = realpathSync.native(fileURLToPath(new URL('../', import.meta.url)));
  const out: Emulation[] = [];
  for (const d of discoverEmulations(emulationSearchDirs(cliDir, process.env.NODE_PATH))) {
    try {
      out.push(await loadEmulation(d, cliDir));
    } catch (e) {
      process.stderr.write(`sysjail: emulation package ${d.packageName} left out: ${(e as Error).message}\n`);
    }
  }
  return out;
}

/** The emulations the cli knows, native first. */
export async function installedEmulations(): Promise<Emulation[]> {
  loaded ??= loadInstalled();
  return [...(await loaded)];
}
