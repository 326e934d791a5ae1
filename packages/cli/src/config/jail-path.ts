import { statSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { MissingPathError, NotADirectoryError, PathNotFoundError, RelativePathError } from '../errors.js';

/** The jail's root: absolute, existing, a directory. Returns it normalized. */
export function checkJailPath(path: string | undefined): string {
  if (path === undefined || path === '') throw new MissingPathError();
  if (!isAbsolute(path)) throw new RelativePathError(path);
  const p = normalize(path);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    throw new PathNotFoundError(path);
  }
  if (!st.isDirectory()) throw new NotADirectoryError(path);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
