import { join } from 'node:path';

/** Where a jail's supervisor listens for jexec: beside the jail's record, `<registry dir>/<jid>.sock`. */
export function jexecSocketPath(registryDir: string, jid: number): string {
  return join(registryDir, `${jid}.sock`);
}
