import { dirname, join } from 'node:path';

/** sysjail's runtime directory: $SYSJAIL_RUN_DIR, else /run/sysjail. */
export function sysjailRunDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SYSJAIL_RUN_DIR || '/run/sysjail';
}

/** Where the registry keeps one JSON file per jail: <run dir>/jails. */
export function defaultRegistryDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(sysjailRunDir(env), 'jails');
}

/** Where supervisors keep their jails' counters files (<jid>.json): beside the registry, <run dir>/counters. */
export function countersDir(registryDir: string = defaultRegistryDir()): string {
  return join(dirname(registryDir), 'counters');
}
