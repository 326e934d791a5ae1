import { realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { exposureMessage, jailPathExposure } from '@sysjail/core';
import {
  HostRootPathError,
  JailPathReachableError,
  MissingPathError,
  NotADirectoryError,
  PathNotFoundError,
  RelativePathError,
} from '../errors.js';

/**
 * The jail's root: absolute, existing, a directory, not the host's root however spelt (links, `..`,
 * `//`), and out of reach of host users other than root. Resolved once; the resolved path is returned
 * and is the one used from then on.
 */
export function checkJailPath(path: string | undefined): string {
  if (path === undefined || path === '') throw new MissingPathError();
  if (!isAbsolute(path)) throw new RelativePathError(path);
  let real: string;
  try {
    real = realpathSync.native(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new NotADirectoryError(path);
    throw new PathNotFoundError(path);
  }
  if (!statSync(real).isDirectory()) throw new NotADirectoryError(path);
  if (real === '/') throw new HostRootPathError(path);
  const exposure = jailPathExposure(real);
  if (exposure) throw new JailPathReachableError(exposureMessage(real, exposure));
  return real;
}
