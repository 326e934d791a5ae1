import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { JailPathError, PrisonConfigError } from '../errors.js';
import { checkHostAddresses, checkInterfaceAlias } from '../net/interface-aliases.js';
import type { Prison } from '../prison.js';
import { checkJailMount } from './jail-mounts.js';
import { exposureMessage, jailPathExposure } from './path-exposure.js';

/**
 * A prison's root must be an absolute, resolved directory other than /, out of host users' reach, with a
 * proc directory to mount on.
 */
export function checkPrison(prison: Prison): void {
  if (!isAbsolute(prison.path)) throw new PrisonConfigError(`${prison.path}: not an absolute path`);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(prison.path);
  } catch {
    throw new PrisonConfigError(`${prison.path}: no such directory`);
  }
  if (!st.isDirectory()) throw new PrisonConfigError(`${prison.path}: not a directory`);
  const real = realpathSync.native(prison.path);
  if (real === '/') throw new PrisonConfigError(`${prison.path}: the host root cannot be a jail root`);
  if (real !== prison.path)
    throw new PrisonConfigError(`${prison.path}: not a resolved path (it is ${real}); give that one`);
  // Jailed root is host root: its setuid files must be out of host users' reach.
  const exposure = jailPathExposure(real);
  if (exposure) throw new JailPathError(real, exposureMessage(real, exposure));
  try {
    if (!statSync(join(prison.path, 'proc')).isDirectory()) throw new Error();
  } catch {
    throw new PrisonConfigError(
      `${prison.path}/proc: missing (a jail root needs a proc directory; mkjail makes one)`,
    );
  }
  const addresses = [...prison.ipv4, ...prison.ipv6];
  for (const a of prison.aliases ?? []) {
    checkInterfaceAlias(a);
    if (!addresses.includes(a.address)) {
      throw new PrisonConfigError(
        `${a.interface}|${a.address}: the alias is not one of the jail's addresses`,
      );
    }
  }
  checkHostAddresses(addresses, prison.aliases);
  for (const m of prison.mounts ?? []) checkJailMount(m);
}
