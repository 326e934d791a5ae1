/**
 * What an interpreter needs besides its binary and libraries: the directories of its own library files,
 * asked of the interpreter itself. Python and Perl are known; another interpreter gets a warning.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';

interface InterpreterKind {
  readonly name: string;
  readonly matches: RegExp;
  /** argv (after the binary) printing one library directory per line. */
  readonly askDirs?: readonly string[];
}

const kinds: readonly InterpreterKind[] = [
  {
    name: 'python',
    matches: /^python[0-9.]*$/,
    askDirs: [
      '-I',
      '-c',
      'import sysconfig as s; p = s.get_paths(); print(p["stdlib"]); print(p["platstdlib"])',
    ],
  },
  { name: 'perl', matches: /^perl[0-9.]*$/, askDirs: ['-e', 'print "$_\\n" for @INC'] },
  { name: 'ruby', matches: /^ruby[0-9.]*$/ },
  { name: 'node', matches: /^(node|nodejs)$/ },
  { name: 'php', matches: /^php[0-9.]*$/ },
  { name: 'lua', matches: /^lua[0-9.]*$/ },
  { name: 'tcl', matches: /^(tclsh|wish)[0-9.]*$/ },
];

export type InterpreterNeeds =
  | { readonly kind: 'none' }
  | { readonly kind: 'dirs'; readonly interpreter: string; readonly dirs: readonly string[] }
  | { readonly kind: 'unknown'; readonly interpreter: string };

/** The interpreter a binary is (by its name, or its target's), and the library directories it uses. */
export function interpreterNeeds(hostPath: string): InterpreterNeeds {
  const names = [basename(hostPath), basename(realpathSync(hostPath))];
  const kind = kinds.find((k) => names.some((n) => k.matches.test(n)));
  if (!kind) return { kind: 'none' };
  if (!kind.askDirs) return { kind: 'unknown', interpreter: kind.name };
  let out: string;
  try {
    out = execFileSync(hostPath, kind.askDirs, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
  } catch {
    return { kind: 'unknown', interpreter: kind.name };
  }
  const dirs = [...new Set(out.split('\n').filter((d) => d.startsWith('/') && isDirectory(d)))];
  return { kind: 'dirs', interpreter: kind.name, dirs };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A script's interpreter, from its `#!` line (the first word after it), or undefined. */
export function scriptInterpreter(hostPath: string): string | undefined {
  const head = readFileSync(hostPath).subarray(0, 256).toString('latin1');
  if (!head.startsWith('#!')) return undefined;
  const word = head.slice(2).split('\n')[0]?.trim().split(/\s+/)[0];
  return word?.startsWith('/') ? word : undefined;
}
