import { CliError, exitStatusOf } from './errors.js';

/**
 * Runs a tool's main: its result is the exit status; anything thrown becomes ONE line on stderr,
 * `tool: message`, and the error's exit status (2 for usage and validation errors).
 */
export function runTool(tool: string, main: (argv: string[]) => Promise<number> | number): void {
  const finish = (status: number) => process.stdout.write('', () => process.exit(status));
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(finish, (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${tool}: ${message.split('\n')[0]}\n`);
      if (process.env.SYSJAIL_DEBUG && !(error instanceof CliError)) console.error(error);
      finish(exitStatusOf(error));
    });
}
