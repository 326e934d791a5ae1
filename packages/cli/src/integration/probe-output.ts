/** The probe's output: one `<name> <result>` per line (see victims/probe.c). */
export function parseProbe(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) out.set(line.slice(0, space), line.slice(space + 1));
    else if (line) out.set(line, '');
  }
  return out;
}

/** The results of `names` as an object (for one readable toEqual per group). */
export function pick(
  results: Map<string, string>,
  names: readonly string[],
): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, results.get(n)]));
}
