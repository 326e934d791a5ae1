import { readFileSync } from 'node:fs';
import { type Tool, usageText } from './config/usage.js';
import { CliError, exitStatusOf, UsageError } from './errors.js';

/** The package's version, for --version. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** How the process ends once its status is known and its output written (see endProcessWith). */
let end: (status: number) => never = (status) => process.exit(status);

/**
 * A command's module that loads the bindings sets their exitProcess here (which skips the C library's
 * exit handlers once koffi is loaded: koffi's fsync stdout and stderr there); --help, --version and tools
 * that never load them end by process.exit.
 */
export function endProcessWith(f: (status: number) => never): void {
  end = f;
}

/** jls and rctl keep FreeBSD's -h (a header line; human units); every other tool takes -h as --help. */
const helpShort = (tool: Tool) => tool !== 'jls' && tool !== 'rctl';

/**
 * Runs a tool's main: its result is the exit status. `--help` (and `-h`, but for jls) as the first
 * argument prints the synopsis, exit 0; `--version` prints the package version, exit 0. Anything thrown
 * becomes one line on stderr, `tool: message`, then for a usage error the synopsis (exit 2); a runtime
 * error exits 1.
 */
export function runTool(tool: Tool, main: (argv: string[]) => Promise<number> | number): void {
  const made = watchStdio();
  // Exits once what was written to stdout and stderr is out (a pipe's writes are asynchronous); a stream
  // never made has nothing pending, and is not made only to be waited for (node:tty or node:net, 1-2 ms).
  const finish = (status: number) => {
    const streams = made();
    let pending = streams.length;
    if (pending === 0) end(status);
    for (const stream of streams) stream.write('', () => --pending === 0 && end(status));
  };
  const argv = process.argv.slice(2);
  if (argv[0] === '--help' || (argv[0] === '-h' && helpShort(tool))) {
    process.stdout.write(usageText(tool));
    finish(0);
    return;
  }
  if (argv[0] === '--version') {
    process.stdout.write(`${tool} (@sysjail/cli) ${packageVersion()}\n`);
    finish(0);
    return;
  }
  Promise.resolve()
    .then(() => main(argv))
    .then(finish, (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${tool}: ${message.split('\n')[0]}\n`);
      if (error instanceof UsageError) process.stderr.write(usageText(tool));
      if (process.env.SYSJAIL_DEBUG && !(error instanceof CliError)) console.error(error);
      finish(exitStatusOf(error));
    });
}

/**
 * process.stdout and process.stderr are made by their getters on first use; from now on, the ones that
 * have been (their getters are wrapped; node defines them configurable).
 */
function watchStdio(): () => NodeJS.WriteStream[] {
  const made = new Set<NodeJS.WriteStream>();
  for (const name of ['stdout', 'stderr'] as const) {
    const own = Object.getOwnPropertyDescriptor(process, name);
    const get = own?.get;
    if (!own?.configurable || !get) {
      made.add(process[name]);
      continue;
    }
    Object.defineProperty(process, name, {
      ...own,
      get() {
        const stream = get.call(process) as NodeJS.WriteStream;
        made.add(stream);
        return stream;
      },
    });
  }
  return () => [...made];
}
