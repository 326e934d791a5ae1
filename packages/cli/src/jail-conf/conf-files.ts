// Which files jail(8) reads: -f file, or /etc/jail.conf and /etc/jail.conf.d/NAME.conf (FreeBSD 14).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JailConfError } from '../errors.js';
import { type ConfBlock, globFiles, type ParseOptions, readJailConf } from './parser.js';

export const DEFAULT_CONF = '/etc/jail.conf';
export const DEFAULT_CONF_DIR = '/etc/jail.conf.d';

export interface ConfSelection {
  /** -f: this file only. */
  readonly file?: string;
  /** The jails asked for; empty: all of them. */
  readonly names: readonly string[];
  /** For tests: the /etc/jail.conf and /etc/jail.conf.d to use. */
  readonly defaultConf?: string;
  readonly defaultConfDir?: string;
}

/** The blocks of the configuration: -f file, or the default file plus the per-jail files. */
export function loadConfBlocks(sel: ConfSelection, options: ParseOptions = {}): ConfBlock[] {
  if (sel.file !== undefined) return readJailConf(sel.file, options);
  const conf = sel.defaultConf ?? DEFAULT_CONF;
  const dir = sel.defaultConfDir ?? DEFAULT_CONF_DIR;
  const blocks: ConfBlock[] = existsSync(conf) ? readJailConf(conf, options) : [];
  const files =
    sel.names.length === 0 || sel.names.includes('*')
      ? globFiles(join(dir, '*.conf'))
      : sel.names.map((n) => join(dir, `${n}.conf`)).filter((f) => existsSync(f));
  for (const f of files) blocks.push(...readJailConf(f, options));
  if (blocks.length === 0 && !existsSync(conf) && files.length === 0) {
    throw new JailConfError(undefined, `${conf}: no such file (and nothing in ${dir})`);
  }
  return blocks;
}
