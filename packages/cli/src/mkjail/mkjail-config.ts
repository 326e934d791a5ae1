import { isAbsolute } from 'node:path';
import { getopt } from '../config/getopt.js';
import { MissingArgumentError, UsageError } from '../errors.js';

export interface MkjailConfig {
  /** Absolute directory to build the jail root in. */
  readonly dir: string;
  /** -f: build into a non-empty directory (mkjail replaces only the files it made). */
  readonly force: boolean;
  /** -b: host binaries to copy in with their shared libraries (and an interpreter's library files). */
  readonly binaries: readonly string[];
  /** --from-tar FILE: the root is a root-filesystem tarball, extracted. */
  readonly fromTar?: string;
  /** --debootstrap SUITE: the root is a minimal Debian of that suite, made by debootstrap(8). */
  readonly debootstrap?: string;
  /** --mirror URL: debootstrap's mirror. */
  readonly mirror?: string;
}

/** `mkjail [-f] [-b binary ...] [--from-tar file | --debootstrap suite [--mirror url]] directory`. */
export function parseMkjailArgs(argv: readonly string[]): MkjailConfig {
  const { options, operands } = getopt(argv, {
    short: 'fb:',
    long: ['from-tar=', 'debootstrap=', 'mirror='],
  });
  const binaries: string[] = [];
  let force = false;
  let fromTar: string | undefined;
  let debootstrap: string | undefined;
  let mirror: string | undefined;
  for (const o of options) {
    if (o.name === 'f') force = true;
    else if (o.name === 'b') binaries.push(o.value ?? '');
    else if (o.name === 'from-tar') fromTar = o.value;
    else if (o.name === 'debootstrap') debootstrap = o.value;
    else mirror = o.value;
  }
  if (operands.length === 0) throw new MissingArgumentError('directory');
  if (operands.length > 1) throw new UsageError('EXTRA_OPERANDS', `unexpected operand: ${operands[1]}`);
  const dir = operands[0];
  // As jail(8): a jail path is absolute (a relative one would depend on where the command ran).
  if (!isAbsolute(dir)) throw new UsageError('RELATIVE_PATH', `directory must be absolute: ${dir}`);
  if (fromTar !== undefined && debootstrap !== undefined)
    throw new UsageError('EXCLUSIVE_OPTIONS', '--from-tar and --debootstrap are exclusive');
  if (mirror !== undefined && debootstrap === undefined)
    throw new UsageError('MIRROR_WITHOUT_DEBOOTSTRAP', '--mirror goes with --debootstrap');
  return {
    dir,
    force,
    binaries,
    ...(fromTar === undefined ? {} : { fromTar }),
    ...(debootstrap === undefined ? {} : { debootstrap }),
    ...(mirror === undefined ? {} : { mirror }),
  };
}
