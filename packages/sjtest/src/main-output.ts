import { main } from './cli.js';

/** What `sjtest argv...` wrote and returned, run in this process (for tests). */
export async function mainOutput(
  argv: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    isTty: false,
    ...(env === undefined ? {} : { env }),
  });
  return { code, out, err };
}
