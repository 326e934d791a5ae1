import { MissingOptionArgumentError, UnknownOptionError } from '../errors.js';

/** What a tool accepts: short letters (with `:` after those taking an argument, as getopt(3)) and long names. */
export interface OptionSpec {
  readonly short: string;
  /**
   * Long options without the leading `--`; a trailing `=` means it takes an argument, `==` two
   * (`--bind SRC DST`, as bubblewrap).
   */
  readonly long?: readonly string[];
}

export interface ParsedOption {
  /** `-b` → `b`, `--allow-ipc` → `allow-ipc`. */
  readonly name: string;
  readonly value?: string;
  /** The second argument of a two-argument long option. */
  readonly value2?: string;
}

export interface ScannedArgv {
  readonly options: readonly ParsedOption[];
  readonly operands: readonly string[];
}

/**
 * POSIX getopt(3) with GNU-style long options: options stop at the first operand or `--` (the jailed
 * command's own options are never ours), short flags may be grouped (`-bq`), an argument may be attached
 * (`-4127.0.0.2`) or separate, long ones take `--opt=value` or `--opt value`.
 */
export function getopt(argv: readonly string[], spec: OptionSpec): ScannedArgv {
  const options: ParsedOption[] = [];
  const long = new Map<string, boolean>();
  const two = new Set<string>();
  for (const l of spec.long ?? []) {
    long.set(l.replace(/=+$/, ''), l.endsWith('='));
    if (l.endsWith('==')) two.add(l.slice(0, -2));
  }
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const takesArg = long.get(name);
      if (takesArg === undefined) throw new UnknownOptionError(eq < 0 ? arg : arg.slice(0, eq));
      if (!takesArg) {
        if (eq >= 0) throw new UnknownOptionError(arg);
        options.push({ name });
      } else if (two.has(name)) {
        if (eq >= 0) throw new UnknownOptionError(arg);
        if (i + 2 >= argv.length) throw new MissingOptionArgumentError(`--${name}`);
        options.push({ name, value: argv[i + 1], value2: argv[i + 2] });
        i += 2;
      } else if (eq >= 0) {
        options.push({ name, value: arg.slice(eq + 1) });
      } else {
        if (i + 1 >= argv.length) throw new MissingOptionArgumentError(`--${name}`);
        options.push({ name, value: argv[++i] });
      }
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j];
      const at = letter === ':' ? -1 : spec.short.indexOf(letter);
      if (at < 0) throw new UnknownOptionError(`-${letter}`);
      if (spec.short[at + 1] !== ':') {
        options.push({ name: letter });
        continue;
      }
      if (j + 1 < arg.length) {
        options.push({ name: letter, value: arg.slice(j + 1) });
      } else {
        if (i + 1 >= argv.length) throw new MissingOptionArgumentError(`-${letter}`);
        options.push({ name: letter, value: argv[++i] });
      }
      break;
    }
  }
  return { options, operands: argv.slice(i) };
}
