import { existsSync, readdirSync } from 'node:fs';
import { HostToolNeedsEmptyDirectoryError } from '../errors.js';
import { buildJailRoot, checkNotHostRoot, parseMkjailArgs } from '../mkjail/index.js';
import { debootstrapRoot } from '../mkjail/root-source.js';

/**
 * mkjail(1): `mkjail [-f] [-b binary ...] [--from-tar file | --debootstrap suite [--mirror url]]
 * directory`. Silent on success but for a line per file kept (there, not made by mkjail) and per warning.
 */
export async function mkjailMain(argv: readonly string[]): Promise<number> {
  const config = parseMkjailArgs(argv);
  if (config.debootstrap !== undefined) {
    checkNotHostRoot(config.dir);
    if (existsSync(config.dir) && readdirSync(config.dir).length > 0)
      throw new HostToolNeedsEmptyDirectoryError(config.dir, '--debootstrap');
    await debootstrapRoot(config.debootstrap, config.dir, config.mirror);
  }
  const summary = buildJailRoot({ ...config, prepared: config.debootstrap !== undefined });
  for (const path of summary.kept)
    process.stderr.write(`mkjail: kept ${path}: not made by mkjail (or changed since)\n`);
  for (const w of summary.warnings) process.stderr.write(`mkjail: warning: ${w}\n`);
  return 0;
}
