/** Characters that make jail(8) run a command line through /bin/sh -c (FreeBSD's run_command). */
const SHELL_CHARS = /[!"$&'()*;<>?[\\\]`{|}~]/;

/**
 * A hook's command line as FreeBSD's jail(8) runs it: through `/bin/sh -c` if it has shell
 * characters, split on whitespace otherwise; a lone trailing `&` runs it in the background.
 */
export function commandArgv(line: string): {
  readonly argv: readonly string[];
  readonly background: boolean;
} {
  const m = SHELL_CHARS.exec(line);
  if (m && !(m[0] === '&' && m.index === line.length - 1)) {
    return { argv: ['/bin/sh', '-c', line], background: false };
  }
  const background = m !== null;
  const text = background ? line.slice(0, -1) : line;
  return { argv: text.split(/[ \t\f\v\r\n]+/).filter((w) => w !== ''), background };
}
