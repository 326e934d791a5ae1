// The init's 'E' message carries argv only (the command inherits the init's environment and starts in
// /); a requested environment or directory is applied inside the jail by its own env(1) and sh(1).

/** argv that runs `argv` with exactly `env` (if given), from `cwd` (if given). */
export function wrapCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string>> | undefined,
  cwd: string | undefined,
): string[] {
  let out = [...argv];
  if (cwd !== undefined)
    out = ['/bin/sh', '-c', 'cd -- "$1" 2>/dev/null || cd /; shift; exec "$@"', 'jexec', cwd, ...out];
  if (env !== undefined) out = ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...out];
  return out;
}
